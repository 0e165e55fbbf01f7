/**
 * The peer: llama.cpp's own programs (llama-bench, llama-completion) of the release that ships
 * inside node-llama-cpp, found in the folder NATIVE_LLAMA_BIN names (built by
 * ../shared/tools/native-llama.sh). Without it every section runs parley alone and says so.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { run, type RunResult } from "./proc.ts";

export interface Peer {
  dir: string;
  bench: string;
  completion: string;
}

/** The peer's programs, or a sentence saying why there are none. */
export function findPeer(env: NodeJS.ProcessEnv = process.env): Peer | string {
  const dir = env.NATIVE_LLAMA_BIN;
  if (!dir) return "NATIVE_LLAMA_BIN is not set: parley runs alone (no peer figures, no ratios)";
  const bench = join(dir, "llama-bench");
  const completion = join(dir, "llama-completion");
  for (const p of [bench, completion]) if (!existsSync(p)) return `NATIVE_LLAMA_BIN has no ${p}: parley runs alone`;
  return { dir, bench, completion };
}

/** One llama-bench measurement (one repetition unless `runs`): tokens per second. */
export function llamaBench(
  peer: Peer,
  model: string,
  what: { threads: number; gen?: number; prompt?: number; depth?: number; flashAttention?: boolean; runs?: number },
): number {
  const args = ["-m", model, "-t", String(what.threads), "-r", String(what.runs ?? 1), "-o", "json"];
  args.push("-n", String(what.gen ?? 0), "-p", String(what.prompt ?? 0));
  if (what.depth !== undefined) args.push("-d", String(what.depth));
  if (what.flashAttention !== undefined) args.push("-fa", what.flashAttention ? "1" : "0");
  const r = run(peer.bench, args);
  if (r.status !== 0) throw new Error(`llama-bench failed (${r.status}): ${r.stderr.slice(-400)}`);
  const rows = JSON.parse(r.stdout) as { avg_ts: number }[];
  const ts = rows[0]?.avg_ts;
  if (typeof ts !== "number") throw new Error(`llama-bench printed no figure: ${r.stdout.slice(0, 400)}`);
  return ts;
}

/** The whole llama-completion job: start, load, generate `tokens`, exit. */
export function llamaCompletion(
  peer: Peer,
  model: string,
  job: { prompt: string; tokens: number; threads: number; contextSize: number },
): RunResult & { generated: number } {
  const args = ["-m", model, "-p", job.prompt, "-n", String(job.tokens), "-t", String(job.threads)];
  args.push("-c", String(job.contextSize), "--temp", "0", "--seed", "1", "-no-cnv");
  const r = run(peer.completion, args);
  if (r.status !== 0) throw new Error(`llama-completion failed (${r.status}): ${r.stderr.slice(-400)}`);
  const generated = Number(
    /eval time =.*\/\s*(\d+) runs/.exec(r.stderr.split("prompt eval time")[1] ?? "")?.[1] ?? NaN,
  );
  return { ...r, generated };
}
