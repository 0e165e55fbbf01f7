/**
 * Terminal-safe text. Model output is untrusted: an escape sequence in it could move the cursor,
 * rewrite the screen, set the window title or write to the clipboard. Every C0 control except
 * newline and tab, DEL and every C1 control are shown in caret notation (`^[`) or as U+FFFD, so
 * nothing reaches the terminal as a command. Stateless per character: safe across chunk splits.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function neutralise(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  if (code === 0x7f) return "^?";
  return "\ufffd";
}

export function sanitizeForTerminal(text: string): string {
  return text.replace(UNSAFE, neutralise);
}
