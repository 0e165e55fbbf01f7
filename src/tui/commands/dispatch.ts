/** Parsing a typed slash command, running it, and completing it with Tab. */
import { ParleyError } from "../../errors.js";
import { nearest } from "./nearest.js";
import { COMMANDS, findCommand } from "./registry.js";
import type { CommandContext } from "./types.js";

export function isCommand(text: string): boolean {
  return /^\/[a-z]/i.test(text.trimStart());
}

function splitCommand(text: string): { name: string; args: string } {
  const trimmed = text.trimStart().slice(1);
  const space = trimmed.search(/\s/);
  return space === -1
    ? { name: trimmed.toLowerCase(), args: "" }
    : { name: trimmed.slice(0, space).toLowerCase(), args: trimmed.slice(space + 1) };
}

const ESCAPE_HINT = "to send text that starts with /, start it with a space";

/** The error row for a slash text that is no command: the nearest command, and how to send it. */
export function unknownCommand(name: string): string {
  const word = name.replace(/^\/+/, "");
  const guess = word === "" ? undefined : nearest(word, [...COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])])]);
  if (name !== "" && word === name)
    return `unknown command /${name}${guess ? `: did you mean /${guess}?` : ""} (/help lists them)`;
  const what = name === "" ? "a / with no command name" : `unknown command /${name}`;
  return `${what} is not sent (/help lists the commands; ${ESCAPE_HINT})`;
}

/**
 * Runs a slash command; a failure becomes an error row, never a crash. The promise resolves when
 * the command has finished (at once for most), and never rejects.
 */
export function runCommand(text: string, ctx: CommandContext): Promise<void> {
  const { name, args } = splitCommand(text);
  const command = findCommand(name);
  if (!command) {
    ctx.dispatch({ type: "add", item: { kind: "notice", level: "error", text: unknownCommand(name) } });
    return Promise.resolve();
  }
  const report = (err: unknown): void => {
    const message = err instanceof ParleyError ? err.message : `/${name} failed: ${(err as Error).message}`;
    ctx.dispatch({ type: "add", item: { kind: "notice", level: "error", text: message } });
  };
  try {
    const pending = command.run(args, ctx);
    if (pending) return pending.catch(report);
  } catch (err) {
    report(err);
  }
  return Promise.resolve();
}

export interface Completion {
  /** The new input text, when it changed. */
  text: string | undefined;
  /** What could follow, when more than one thing could. */
  candidates: string[];
}

function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return "";
  let prefix = words[0] ?? "";
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** Tab completion of a command name or its argument. */
export function completeCommand(text: string): Completion {
  const none: Completion = { text: undefined, candidates: [] };
  if (!text.startsWith("/") || text.includes("\n")) return none;
  const space = text.indexOf(" ");
  if (space === -1) {
    const typed = text.slice(1).toLowerCase();
    const names = COMMANDS.map((c) => c.name).filter((n) => n.startsWith(typed));
    if (names.length === 1) return { text: `/${names[0] ?? ""} `, candidates: [] };
    const prefix = commonPrefix(names);
    return { text: prefix.length > typed.length ? `/${prefix}` : undefined, candidates: names.map((n) => `/${n}`) };
  }
  const command = findCommand(text.slice(1, space).toLowerCase());
  const arg = text.slice(space + 1);
  const options = command?.complete?.(arg) ?? [];
  if (options.length === 1) return { text: `${text.slice(0, space + 1)}${options[0] ?? ""} `, candidates: [] };
  const prefix = commonPrefix(options);
  return {
    text: prefix.length > arg.length ? `${text.slice(0, space + 1)}${prefix}` : undefined,
    candidates: options,
  };
}
