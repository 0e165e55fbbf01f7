/**
 * Stop texts as people write them: the one reader behind `--stop`, `prompts add --stop`,
 * `config set stop`, `PARLEY_STOP` and `/set stop`. A value is either a JSON array of texts
 * (`["\n\n", "User:"]`) or a text with backslash escapes (`\n`, `\t`, `\r`, `\\`, `\"`,
 * `\uXXXX`), so `--stop "\n\n"` stops on a blank line, not on a backslash and an n. Pure.
 */
import { UsageError } from "../errors.js";

export const STOP_TEXTS_ALLOWED =
  'a text (escapes \\n, \\t, \\r, \\\\, \\", \\uXXXX) or a JSON array of non-empty texts like ["\\n\\n", "User:"]';

const SIMPLE: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "/": "/" };

/** The text with its escapes read; a backslash before anything else stays as it is (`C:\dir`). */
export function decodeStopEscapes(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/gs, (whole, what: string) => {
    if (what.length === 5) return String.fromCharCode(parseInt(what.slice(1), 16));
    return Object.hasOwn(SIMPLE, what) ? (SIMPLE[what] as string) : whole;
  });
}

function invalid(where: string, raw: string, why: string): UsageError {
  return new UsageError(
    `invalid value for ${where}: ${why} in ${JSON.stringify(raw)} (expected ${STOP_TEXTS_ALLOWED})`,
  );
}

function jsonList(raw: string, where: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalid(where, raw, "the JSON array cannot be read");
  }
  if (!Array.isArray(value) || !value.every((s): s is string => typeof s === "string"))
    throw invalid(where, raw, "the array holds something other than texts");
  return value;
}

/** Words and `"quoted texts"` (for `/set stop "\n\n" User:`), each with its escapes read. */
function words(raw: string, where: string): string[] {
  const out: string[] = [];
  for (const match of raw.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/gs)) {
    out.push(decodeStopEscapes(match[1] ?? match[2] ?? ""));
  }
  if (out.length === 0) throw invalid(where, raw, "there is no text");
  return out;
}

/**
 * Reads stop texts. `several`: words and quoted texts are separate stop texts (`/set stop`);
 * otherwise the whole value is one text (a flag, a config value, an environment variable).
 * `where` names the source in errors (`--stop`, `PARLEY_STOP`).
 */
export function parseStopTexts(raw: string, where: string, several = false): string[] {
  const trimmed = raw.trim();
  let list: string[];
  if (trimmed.startsWith("[")) list = jsonList(trimmed, where);
  else if (several) list = words(trimmed, where);
  else if (/^".*"$/s.test(trimmed) && trimmed.length >= 2) list = [decodeStopEscapes(trimmed.slice(1, -1))];
  else list = [decodeStopEscapes(raw)];
  // An empty JSON array is no stop texts at all; an empty text would stop before the first token.
  if (list.some((s) => s === "")) throw invalid(where, raw, "a stop string cannot be empty");
  return list;
}

/** Stop texts from a repeatable flag: each value read on its own, in order. */
export function parseStopFlags(values: readonly string[], where: string): string[] {
  return values.flatMap((v) => parseStopTexts(v, where));
}
