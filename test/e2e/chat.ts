/** Helpers the chat-screen tests share: terminals killed after the file, typing a line, the idle state. */
import { after } from "node:test";
import { Term, type TermOptions } from "./tmux.ts";

/** The status line once a reply is done. */
export const IDLE = /^idle · ctx/m;

export const count = (text: string, part: string): number => text.split(part).length - 1;

/** A `start` that opens terminals and kills them all when the test file ends. */
export function terminals(): (args: string[], options?: TermOptions) => Term {
  const open: Term[] = [];
  after(() => open.forEach((t) => t.kill()));
  return (args, options = {}) => {
    const term = Term.start(args, options);
    open.push(term);
    return term;
  };
}

/** Like `terminals`, for parley started from an interactive shell (for Ctrl+Z and `fg`). */
export function shells(): (args: string[], options?: TermOptions) => Term {
  const open: Term[] = [];
  after(() => open.forEach((t) => t.kill()));
  return (args, options = {}) => {
    const term = Term.startInShell(args, options);
    open.push(term);
    return term;
  };
}

/** Types a message, waits until it shows in the input, then presses Enter. */
export async function send(term: Term, text: string): Promise<void> {
  term.type(text);
  // The input's first line starts with "> ", the lines after it with two spaces.
  const last = (text.split("\n").at(-1) ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  await term.waitFor(new RegExp(`^(> |  )${last}`, "m"));
  term.press("Enter");
}
