/**
 * A real terminal for end-to-end tests: the built CLI runs in a tmux pane on a private socket,
 * with a fixed size; tests type keys and wait for the screen to show something, with deadlines.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, tempHome } from "../helpers/cli.ts";

let counter = 0;

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export interface TermOptions {
  columns?: number;
  rows?: number;
  home?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** Options for node itself, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Leave colour on (by default NO_COLOR is set, so screens compare as plain text). */
  color?: boolean;
  /** Run this program in the pane instead of parley (used by `startInShell`). */
  shell?: string[];
}

export class Term {
  readonly socket: string;
  readonly home: string;
  private readonly statusFile: string;

  private constructor(socket: string, home: string, statusFile: string) {
    this.socket = socket;
    this.home = home;
    this.statusFile = statusFile;
  }

  static start(args: string[], options: TermOptions = {}): Term {
    const socket = `parley-e2e-${process.pid}-${++counter}`;
    const home = options.home ?? tempHome();
    const dir = mkdtempSync(join(tmpdir(), "parley-tmux-"));
    const conf = join(dir, "tmux.conf");
    writeFileSync(conf, "set -g remain-on-exit on\nset -g history-limit 5000\n");
    const env = {
      CI: "false",
      PARLEY_HOME: home,
      ...(options.color ? { FORCE_COLOR: "1" } : { NO_COLOR: "1" }),
      TERM: "xterm-256color",
      ...options.env,
    };
    const statusFile = join(dir, "status");
    const program = [
      "env",
      "-u",
      "PARLEY_MODEL",
      ...Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`),
      ...(options.shell
        ? options.shell.map(quote)
        : [quote(process.execPath), ...(options.nodeArgs ?? []).map(quote), quote(BIN), ...args.map(quote)]),
    ].join(" ");
    // The shell waits for parley and records its exit status in a file.
    const command = `${program}; echo $? > ${quote(statusFile)}`;
    const term = new Term(socket, home, statusFile);
    term.tmux(
      "-f",
      conf,
      "new-session",
      "-d",
      "-x",
      String(options.columns ?? 100),
      "-y",
      String(options.rows ?? 30),
      "-c",
      options.cwd ?? home,
      command,
    );
    return term;
  }

  /**
   * parley started from an interactive shell (bash with job control) in the pane, so Ctrl+Z
   * and `fg` work as they do for a person. The shell's prompt is `$ `.
   */
  static startInShell(args: string[], options: TermOptions = {}): Term {
    const term = Term.start([], {
      ...options,
      shell: ["env", "PS1=$ ", "bash", "--norc", "--noprofile", "-i"],
    });
    const program = [quote(process.execPath), quote(BIN), ...args.map(quote)].join(" ");
    term.type(program);
    term.press("Enter");
    return term;
  }

  /** Writes straight to the pane's terminal, as another program sharing it would. */
  writeToTerminal(text: string): void {
    const tty = this.tmux("display-message", "-p", "-t", "0", "#{pane_tty}").trim();
    writeFileSync(tty, text);
  }

  tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], { encoding: "utf8" });
  }

  /** The visible screen, one string per row, trailing spaces trimmed. */
  screen(): string {
    return this.tmux("capture-pane", "-p", "-t", "0")
      .split("\n")
      .map((l) => l.trimEnd())
      .join("\n");
  }

  /** The visible screen with its colours and attributes, as SGR escape sequences. */
  screenWithStyles(): string {
    return this.tmux("capture-pane", "-p", "-e", "-t", "0");
  }

  /** The screen and the scrollback above it. */
  all(): string {
    return this.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "0");
  }

  /** Literal text, as if typed. */
  type(text: string): void {
    this.tmux("send-keys", "-t", "0", "-l", text);
  }

  /** Named keys: Enter, C-c, Escape, Up, M-Enter, ... */
  press(...keys: string[]): void {
    this.tmux("send-keys", "-t", "0", ...keys);
  }

  /** Pastes text the way a terminal does, inside bracketed-paste markers when the app asked for them. */
  paste(text: string): void {
    this.tmux("set-buffer", "-b", "e2e", text);
    this.tmux("paste-buffer", "-p", "-d", "-b", "e2e", "-t", "0");
  }

  resize(columns: number, rows: number): void {
    this.tmux("resize-window", "-t", "0", "-x", String(columns), "-y", String(rows));
  }

  /** The exit status once the program has ended, else undefined. */
  exitStatus(): number | undefined {
    try {
      const text = readFileSync(this.statusFile, "utf8").trim();
      return text === "" ? undefined : Number(text);
    } catch {
      return undefined;
    }
  }

  /** Polls the screen until `check` passes; each poll runs tmux, so a long wait can poll less often. */
  async waitFor(
    check: string | RegExp | ((screen: string) => boolean),
    timeoutMs = 60_000,
    intervalMs = 50,
  ): Promise<string> {
    const test =
      typeof check === "function"
        ? check
        : typeof check === "string"
          ? (s: string) => s.includes(check)
          : (s: string) => check.test(s);
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    for (;;) {
      screen = this.screen();
      if (test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(check)}; the screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  async waitForExit(timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = this.exitStatus();
      if (status !== undefined) return status;
      if (Date.now() > deadline) throw new Error(`timed out waiting for exit; the screen:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until the chat is ready for input (model loaded, no reply being written). */
  async ready(timeoutMs = 90_000): Promise<string> {
    return this.waitFor((s) => /^idle · ctx/m.test(s), timeoutMs);
  }

  kill(): void {
    try {
      this.tmux("kill-server");
    } catch {
      // Already gone.
    }
  }
}
