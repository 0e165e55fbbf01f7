/**
 * Handing the terminal to someone else and taking it back: suspending to the shell (Ctrl+Z)
 * and composing a prompt in the user's editor (Ctrl+X Ctrl+E, /edit).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../errors.js";

export const PASTE_ON = "\u001b[?2004h";
export const PASTE_OFF = "\u001b[?2004l";
const SHOW_CURSOR = "\u001b[?25h";

export interface TerminalHandle {
  setRawMode(on: boolean): void;
  write(sequence: string): void;
}

/** Gives the terminal back as the shell left it, runs `away`, then takes it again. */
function handOver<T>(terminal: TerminalHandle, away: () => T): T {
  terminal.write(PASTE_OFF + SHOW_CURSOR);
  terminal.setRawMode(false);
  try {
    return away();
  } finally {
    terminal.setRawMode(true);
    terminal.write(PASTE_ON);
  }
}

/**
 * Stops parley as the shell's Ctrl+Z would (raw mode turns that key into input, so the signal
 * is sent here). A signal sent to oneself is handled before `kill` returns: when the shell
 * continues parley (`fg`), the terminal is taken again and the caller redraws.
 */
export function suspend(terminal: TerminalHandle): void {
  handOver(terminal, () => process.kill(process.pid, "SIGTSTP"));
}

/** The editor to run: $VISUAL, then $EDITOR, then vi. */
export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.VISUAL?.trim() || env.EDITOR?.trim() || "vi";
}

/**
 * Opens `text` in the user's editor and returns what was saved (without the final newline
 * editors add). The editor command may hold arguments (`code --wait`), as shells allow.
 */
export function editExternally(terminal: TerminalHandle, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "parley-edit-"));
  const file = join(dir, "prompt.md");
  writeFileSync(file, text);
  const editor = editorCommand();
  try {
    const result = handOver(terminal, () =>
      spawnSync("/bin/sh", ["-c", `${editor} "$1"`, "sh", file], { stdio: "inherit" }),
    );
    if (result.error || result.status !== 0) {
      throw new UsageError(`the editor (${editor}) did not finish cleanly; the prompt is unchanged`);
    }
    return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
