/**
 * What Enter does with the text in the input: send it, run a command, or go on editing.
 * A text that starts with `/` is always a command, never sent by accident; a leading space sends
 * it as written (without that space). `"""` opens a block of lines that a closing `"""` sends.
 */
export type Submission =
  | { kind: "send"; text: string }
  | { kind: "command"; text: string }
  /** Enter inside an open block (a trailing `\` or an unclosed `"""`): a new line. */
  | { kind: "newline"; text: string }
  | { kind: "empty" };

const BLOCK = '"""';

export function classifyInput(text: string): Submission {
  if (text.endsWith("\\")) return { kind: "newline", text: `${text.slice(0, -1)}\n` };
  if (text.startsWith(BLOCK)) {
    const closed = text.length >= 2 * BLOCK.length && text.trimEnd().endsWith(BLOCK);
    if (!closed) return { kind: "newline", text: `${text}\n` };
    const inner = text.trimEnd().slice(BLOCK.length, -BLOCK.length).replace(/^\n/, "").replace(/\n$/, "");
    return inner.trim() === "" ? { kind: "empty" } : { kind: "send", text: inner };
  }
  if (text.trim() === "") return { kind: "empty" };
  if (text.startsWith("/")) return { kind: "command", text: text.trim() };
  if (text.startsWith(" /")) return { kind: "send", text: text.slice(1) };
  return { kind: "send", text };
}
