/**
 * Running a program once and measuring it: wall time (from spawn to exit, taken here) and peak
 * resident memory (from `/usr/bin/time -v` when that program is installed).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const TIME_BIN = "/usr/bin/time";
export const hasTime = existsSync(TIME_BIN);

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak resident set size in MB; NaN without /usr/bin/time. */
  peakRssMb: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  input?: string;
}

/** Runs `cmd args` to its end; throws when it cannot start, never on a non-zero exit. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): RunResult {
  const dir = hasTime ? mkdtempSync(join(tmpdir(), "parley-bench-time-")) : undefined;
  const report = dir ? join(dir, "time.txt") : undefined;
  const [file, argv] = report ? [TIME_BIN, ["-v", "-o", report, cmd, ...args]] : [cmd, [...args]];
  const start = performance.now();
  const r = spawnSync(file, argv, {
    encoding: "utf8",
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 300_000,
    input: options.input ?? "",
    maxBuffer: 64 * 2 ** 20,
  });
  const wallMs = performance.now() - start;
  if (r.error) throw r.error;
  let peakRssMb = Number.NaN;
  if (report && dir) {
    const text = existsSync(report) ? readFileSync(report, "utf8") : "";
    const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1];
    if (kb) peakRssMb = Number(kb) / 1024;
    rmSync(dir, { recursive: true, force: true });
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, wallMs, peakRssMb };
}
