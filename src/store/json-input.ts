/**
 * JSON read the same way from every source (a file, stdin, an argument, the config file): a leading
 * UTF-8 byte-order mark is accepted and dropped, then the text is parsed with errors that say where
 * it went wrong.
 */
import { parseJsonText } from "../chat/messages.js";

/** The text without a leading byte-order mark (U+FEFF). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses JSON text from any source; `source` names it in errors ("--messages file x.json"). */
export function parseJsonInput(text: string, source: string): unknown {
  return parseJsonText(stripBom(text), source);
}
