/**
 * `shell`: one command run with `/bin/sh -c` in the working folder, with no stdin, a time limit
 * and bounded output (stdout and stderr together, as they arrive). The command and its output are
 * untrusted text: the command runs only after the person's yes for that very call, and what it
 * prints is made terminal-safe wherever it is shown.
 */
import { spawn } from "node:child_process";
import { fsReason } from "../errors.js";
import type { BuiltinTool, ToolContext, ToolOutcome } from "./types.js";

/** The most bytes of output sent back. */
export const SHELL_OUTPUT_LIMIT = 16 * 1024;
/** How long a command may run. */
export const SHELL_TIMEOUT_MS = 60_000;
/** How long output may still come after the shell itself ended (a child left running holds the pipe). */
const AFTER_EXIT_MS = 500;

export interface ShellOptions {
  timeoutMs?: number;
  outputLimit?: number;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    // The command runs in a process group of its own: its children go with it.
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function decodeBounded(chunks: Buffer[], limit: number): string {
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

export function runShell(command: string, context: ToolContext, options: ShellOptions = {}): Promise<ToolOutcome> {
  const timeoutMs = options.timeoutMs ?? SHELL_TIMEOUT_MS;
  const limit = options.outputLimit ?? SHELL_OUTPUT_LIMIT;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let total = 0;
    let ended: "timeout" | "aborted" | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    let afterExit: NodeJS.Timeout | undefined;
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: context.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const onData = (data: Buffer): void => {
      total += data.length;
      if (kept < limit) {
        const part = data.subarray(0, limit - kept);
        chunks.push(part);
        kept += part.length;
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => {
      ended = "timeout";
      killGroup(child.pid);
    }, timeoutMs);
    const onAbort = (): void => {
      ended ??= "aborted";
      killGroup(child.pid);
    };
    context.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (status: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(afterExit);
      context.signal?.removeEventListener("abort", onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
      let out = decodeBounded(chunks, limit);
      if (total > kept) out += `\n[output truncated: ${total} bytes in all, the first ${kept} shown]`;
      const body = out === "" ? "" : out.endsWith("\n") ? out : `${out}\n`;
      resolve({ ok: status === "exit status 0", content: `${body}[${status}]` });
    };
    const statusNow = (): string => {
      if (ended === "timeout") return `killed: no end after ${timeoutMs / 1000} s`;
      if (ended === "aborted") return "stopped by the user";
      if (exit?.signal) return `ended by signal ${exit.signal}`;
      return `exit status ${exit?.code ?? "unknown"}`;
    };
    child.on("error", (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      context.signal?.removeEventListener("abort", onAbort);
      resolve({ ok: false, content: `error: the command could not start: ${fsReason(err)}` });
    });
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      // Children it left running may keep the output open: they get a moment, then they go.
      afterExit = setTimeout(() => {
        killGroup(child.pid);
        finish(statusNow());
      }, AFTER_EXIT_MS);
    });
    child.on("close", () => {
      killGroup(child.pid);
      finish(statusNow());
    });
    if (context.signal?.aborted) onAbort();
  });
}

export const SHELL: BuiltinTool = {
  name: "shell",
  approval: "always-ask",
  definition: {
    type: "function",
    function: {
      name: "shell",
      description: `Run a command with /bin/sh -c in the working folder (no input, at most ${SHELL_TIMEOUT_MS / 1000} s, the first ${SHELL_OUTPUT_LIMIT / 1024} KB of output). The result ends with the exit status.`,
      parameters: {
        type: "object",
        properties: { command: { type: "string", description: "the command line" } },
        required: ["command"],
        additionalProperties: false,
      },
    },
  },
  describe: (args) => `shell ${typeof args.command === "string" ? args.command : JSON.stringify(args.command)}`,
  run: async (args, context) => {
    if (typeof args.command !== "string" || args.command.trim() === "")
      return { ok: false, content: 'error: shell needs a "command" text' };
    return runShell(args.command, context);
  },
};
