/** Running the built parley CLI (bin/parley.js, which loads dist/) as a user would. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultBatchThreads, defaultThreads } from "../../dist/engine/threads.js";
import { run, type RunResult } from "./proc.ts";

/** This checkout's parley, or another copy's (PARLEY_BENCH_BIN), e.g. one whose llama.cpp is prebuilt. */
export const BIN = process.env.PARLEY_BENCH_BIN ?? fileURLToPath(new URL("../../bin/parley.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "parley-bench-home-"));
process.on("exit", () => rmSync(home, { recursive: true, force: true }));
/** A fresh PARLEY_HOME, so a user's config and history neither change nor colour the figures. */
export const ENV: NodeJS.ProcessEnv = { ...process.env, PARLEY_HOME: home };

/** parley's default thread count on this machine (physical cores - 1, at least 1, at most 16). */
export function parleyDefaultThreads(): number {
  return defaultThreads();
}

/** The threads parley would read a prompt with now: the cores other programs leave free. */
export function parleyDefaultBatchThreads(decode: number): number {
  return defaultBatchThreads(decode);
}

/** Which llama.cpp binary parley loads on the CPU: "localBuild" (`parley doctor --build`) or "prebuilt". */
export function parleyLlamaBuild(): string {
  const r = run(process.execPath, [BIN, "doctor", "--json"], { env: ENV });
  try {
    const build = (JSON.parse(r.stdout) as { llamaBuild?: unknown }).llamaBuild;
    return typeof build === "string" ? build : "unknown";
  } catch {
    return "unknown";
  }
}

export interface Completion {
  usage: { prompt_tokens: number; completion_tokens: number };
  timings: { prompt_ms: number; prompt_per_second: number; predicted_per_second: number; predicted_n: number };
}

/** One `parley --json` run; the chat.completion object it printed. */
export function parleyJson(args: readonly string[]): Completion & { wallMs: number } {
  const r = run(process.execPath, [BIN, "--no-history", "--json", ...args], { env: ENV });
  if (r.status !== 0) throw new Error(`parley failed (${r.status}): ${r.stderr.slice(-400)}`);
  return { ...(JSON.parse(r.stdout) as Completion), wallMs: r.wallMs };
}

/** One plain parley run (text out), measured. */
export function parleyRun(args: readonly string[], env: NodeJS.ProcessEnv = ENV): RunResult {
  return run(process.execPath, [BIN, ...args], { env });
}
