/**
 * JSON text that is safe to show on a terminal. JSON.stringify escapes C0 controls but passes DEL,
 * the C1 controls (U+0080-U+009F: U+009B alone starts an escape sequence on many terminals) and
 * the line and paragraph separators through raw. Here they are written as \u sequences: still valid
 * JSON, and the same value after parsing.
 */
const RAW_UNSAFE = /[\u007f-\u009f\u2028\u2029]/g;

function escape(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** JSON.stringify, then every DEL, C1 control and U+2028/U+2029 escaped (they only occur inside strings). */
export function stringifyJson(value: unknown, space?: string | number): string {
  const text = JSON.stringify(value, undefined, space);
  return text === undefined ? "null" : text.replace(RAW_UNSAFE, escape);
}
