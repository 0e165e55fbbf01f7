/** Runs the built CLI (bin/parley.js) as a child process with a fresh PARLEY_HOME. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/parley.js", import.meta.url));

export interface RunOptions {
  /** Written to stdin, then stdin is closed. Without it stdin is empty (closed at once). */
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  /** Kills the child after this many ms (the test then fails on its exit code). */
  timeoutMs?: number;
  home?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "parley-home-"));
}

export function spawnParley(args: string[], options: RunOptions = {}): ChildProcess {
  const env: Record<string, string | undefined> = {
    ...process.env,
    PARLEY_HOME: options.home ?? tempHome(),
    NO_COLOR: "1",
    ...options.env,
  };
  delete env.PARLEY_MODEL;
  if (options.env?.PARLEY_MODEL !== undefined) env.PARLEY_MODEL = options.env.PARLEY_MODEL;
  return spawn(process.execPath, [BIN, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
}

export function collect(child: ChildProcess, options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function runParley(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const child = spawnParley(args, options);
  child.stdin?.on("error", () => undefined);
  child.stdin?.end(options.input ?? "");
  return collect(child, options);
}

/** Waits until `predicate` holds, polling; fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 30_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
