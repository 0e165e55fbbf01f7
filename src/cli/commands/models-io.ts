/**
 * Printing for the `parley models` commands. Names of models, aliases, references and server
 * answers come from outside (a file name, a URL, a hub): all of it goes through the terminal
 * sanitiser, so no control character in a name reaches the terminal as a command. JSON is written
 * with every control escaped instead.
 */
import { stringifyJson } from "../../output/json-text.js";
import { sanitizeForTerminal } from "../../output/sanitize.js";

/** A line on stdout, with control characters made visible. */
export function out(text: string): void {
  process.stdout.write(`${sanitizeForTerminal(text)}\n`);
}

/** A value as JSON on stdout. */
export function outJson(value: unknown): void {
  process.stdout.write(`${stringifyJson(value, 2)}\n`);
}

/** A line on stderr, with control characters made visible. */
export function note(text: string): void {
  process.stderr.write(`${sanitizeForTerminal(text)}\n`);
}
