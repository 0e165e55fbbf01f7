/**
 * One-shot benchmark: wall time and decode speed of `parley --json` on a model, for several
 * thread counts, runs interleaved so machine noise spreads evenly. Prints a table of medians and
 * writes every sample to bench/results/one-shot-<time>.json.
 *
 *   npm run build && node --import tsx bench/one-shot.ts [model.gguf] [--runs 5] [--tokens 64] [--threads 1,2,4]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median } from "./stats.ts";

const BIN = fileURLToPath(new URL("../bin/parley.js", import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "5" },
    tokens: { type: "string", default: "64" },
    threads: { type: "string", default: "1,2,4" },
    "timeout-s": { type: "string", default: "300" },
  },
});
const model = positionals[0] ?? fileURLToPath(new URL("../../shared/models/bench-106m-q8_0.gguf", import.meta.url));
const runs = Number(values.runs);
const tokens = Number(values.tokens);
const threadCounts = values.threads.split(",").map(Number);

interface Sample {
  threads: number;
  wallMs: number;
  ttftMs: number;
  decodeTps: number;
  completionTokens: number;
  ok: boolean;
}

function runOnce(threads: number): Sample {
  const args = [
    BIN,
    "-m",
    model,
    "--threads",
    String(threads),
    "-n",
    String(tokens),
    "--temperature",
    "0",
    "--json",
    "Once upon a time",
  ];
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: Number(values["timeout-s"]) * 1000 });
  const wallMs = performance.now() - start;
  if (r.status !== 0)
    return { threads, wallMs, ttftMs: Number.NaN, decodeTps: Number.NaN, completionTokens: 0, ok: false };
  const c = JSON.parse(r.stdout);
  return {
    threads,
    wallMs,
    ttftMs: c.timings.prompt_ms,
    decodeTps: c.timings.predicted_per_second,
    completionTokens: c.usage.completion_tokens,
    ok: true,
  };
}

function timeCommand(args: string[], n: number): number {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
    times.push(performance.now() - start);
  }
  return median(times);
}

const samples: Sample[] = [];
for (let i = 0; i < runs; i++) {
  for (const t of threadCounts) {
    const s = runOnce(t);
    samples.push(s);
    process.stderr.write(
      `run ${i + 1}/${runs} threads=${t}: ${s.ok ? `${s.decodeTps.toFixed(1)} tok/s, wall ${s.wallMs.toFixed(0)} ms` : "failed or timed out"}\n`,
    );
  }
}

const rows = threadCounts.map((t) => {
  const ok = samples.filter((s) => s.threads === t && s.ok);
  return {
    threads: t,
    runs: ok.length,
    medianDecodeTps: median(ok.map((s) => s.decodeTps)),
    medianWallMs: median(ok.map((s) => s.wallMs)),
    medianTtftMs: median(ok.map((s) => s.ttftMs)),
  };
});
const startup = { helpMs: timeCommand(["--help"], 5), versionMs: timeCommand(["--version"], 5) };

console.log(`model ${model}, ${tokens} tokens, ${runs} runs, ${availableParallelism()} CPUs`);
console.log("threads | runs | decode tok/s (median) | wall ms (median) | first token ms (median)");
for (const r of rows) {
  console.log(
    `${String(r.threads).padStart(7)} | ${String(r.runs).padStart(4)} | ${r.medianDecodeTps.toFixed(1).padStart(21)} | ${r.medianWallMs.toFixed(0).padStart(16)} | ${r.medianTtftMs.toFixed(0).padStart(23)}`,
  );
}
console.log(
  `parley --help: ${startup.helpMs.toFixed(0)} ms, --version: ${startup.versionMs.toFixed(0)} ms (medians of 5)`,
);

const dir = fileURLToPath(new URL("results/", import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}one-shot-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
writeFileSync(
  file,
  `${JSON.stringify({ model, tokens, runs, cpus: availableParallelism(), rows, startup, samples }, null, 2)}\n`,
);
console.log(`wrote ${file}`);
