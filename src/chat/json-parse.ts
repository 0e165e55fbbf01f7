/** Parsing a JSON text with an error that says, in words, where it went wrong. */
import { UsageError } from "../errors.js";

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

function isViableJsonPrefix(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch (err) {
    // A prefix is viable when the parser only complains about where the text stops.
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    return /Unexpected end of JSON input/.test(message) || (at !== null && Number(at[1]) >= text.length);
  }
}

/** Where a JSON text stops making sense: the end of its longest prefix that could still parse. */
function jsonErrorPosition(text: string): number {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (isViableJsonPrefix(text.slice(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** JSON.parse with an error that says where the text went wrong. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (text.trim() === "") throw new UsageError(`${source} is empty: expected JSON`);
    const message = (err as Error).message;
    const token = /^Unexpected token '(.*?)'/.exec(message);
    let reason = token ? `unexpected ${JSON.stringify(token[1])}` : message.replace(/ in JSON at position \d+.*$/, "");
    if (/Unexpected end/.test(message)) reason = "unexpected end of input";
    reason = reason.charAt(0).toLowerCase() + reason.slice(1);
    const at = /at position (\d+)/.exec(message);
    const position = at ? Number(at[1]) : jsonErrorPosition(text);
    if (position >= text.trimEnd().length) reason = "unexpected end of input";
    throw new UsageError(`${source} is not valid JSON at ${lineAndColumn(text, position)}: ${reason}`);
  }
}
