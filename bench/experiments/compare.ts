/**
 * Runs probe.mjs under several variants, interleaved (variant A, B, C, then again), and prints
 * the median of every phase per variant. Each set is one question about where parley's time goes.
 *
 *   node --import tsx bench/experiments/compare.ts --set <name> [--runs 7] [--model file.gguf]
 *     [--local <project dir with a local node-llama-cpp build>]   (sets: see SETS below)
 *
 * The default model is ../shared/models/bench-106m-q8_0.gguf relative to the repository.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median } from "../stats.ts";

const PROBE = fileURLToPath(new URL("probe.mjs", import.meta.url));
const { values } = parseArgs({
  options: {
    set: { type: "string", default: "threads" },
    runs: { type: "string", default: "7" },
    model: {
      type: "string",
      default: fileURLToPath(new URL("../../../shared/models/bench-106m-q8_0.gguf", import.meta.url)),
    },
    local: { type: "string" },
  },
});
const local = values.local ? ["--nlc", values.local] : undefined;
interface Variant {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}
const needLocal = (v: Variant[]): Variant[] => (local ? v : v.filter((x) => !x.args.includes("--nlc")));
const L = local ?? [];

const SETS: Record<string, Variant[]> = {
  // Decode and prompt speed by thread count, prebuilt binary against a local build.
  threads: needLocal([
    { name: "prebuilt t1", args: ["--threads", "1"] },
    { name: "prebuilt t2", args: ["--threads", "2"] },
    { name: "local t1", args: [...L, "--threads", "1"] },
    { name: "local t2", args: [...L, "--threads", "2"] },
  ]),
  // A ~512-token prompt then 128 tokens: one thread count for both, or 2 for the prompt and 1 to decode.
  batch: needLocal([
    { name: "prebuilt t1", args: ["--threads", "1", "--prompt-tokens", "512"] },
    { name: "prebuilt t2", args: ["--threads", "2", "--prompt-tokens", "512"] },
    { name: "prebuilt b2 d1", args: ["--batch-threads", "2", "--decode-threads", "1", "--prompt-tokens", "512"] },
    { name: "local t2", args: [...L, "--threads", "2", "--prompt-tokens", "512"] },
    { name: "local b2 d1", args: [...L, "--batch-threads", "2", "--decode-threads", "1", "--prompt-tokens", "512"] },
  ]),
  // Per-token cost of the chat layer: LlamaChat against feeding tokens back by hand.
  overhead: [
    { name: "chat t1", args: ["--threads", "1", "--tokens", "256"] },
    { name: "raw t1", args: ["--threads", "1", "--tokens", "256", "--mode", "raw"] },
  ],
  // Start-up and exit: the prebuilt binary (tested in a child process first) against a local build
  // (loaded without the test), and leaving by disposing, by process.exit, or by letting Node end.
  startup: needLocal([
    { name: "prebuilt dispose", args: ["--tokens", "8"] },
    { name: "prebuilt exit()", args: ["--tokens", "8", "--exit", "exit"] },
    { name: "prebuilt no dispose", args: ["--tokens", "8", "--exit", "none"] },
    { name: "local dispose", args: [...L, "--tokens", "8"] },
    { name: "local exit()", args: [...L, "--tokens", "8", "--exit", "exit"] },
  ]),
};
const variants = SETS[values.set];
if (!variants) throw new Error(`unknown set "${values.set}" (sets: ${Object.keys(SETS).join(", ")})`);

type Probe = Record<string, number | string>;
const samples: { variant: string; wallMs: number; exitMs: number; probe: Probe }[] = [];
const runs = Number(values.runs);
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) {
    const start = performance.now();
    const r = spawnSync(process.execPath, [PROBE, "--model", values.model, ...v.args], {
      encoding: "utf8",
      env: { ...process.env, ...v.env },
    });
    const end = performance.now();
    if (r.status !== 0) throw new Error(`${v.name} failed (${r.status}): ${r.stderr.slice(-600)}`);
    const probe = JSON.parse(r.stdout.trim().split("\n").pop()!) as Probe;
    const exitMs = performance.timeOrigin + end - Number(probe.doneAtEpochMs);
    samples.push({ variant: v.name, wallMs: end - start, exitMs, probe });
    process.stderr.write(
      `run ${i + 1}/${runs} ${v.name}: wall ${(end - start).toFixed(0)} ms, decode ${Number(probe.decodeTps).toFixed(1)} tok/s\n`,
    );
  }
}

const fields = [
  "wallMs",
  "importMs",
  "getLlamaMs",
  "loadModelMs",
  "contextMs",
  "ttftMs",
  "promptTps",
  "decodeTps",
  "disposeMs",
  "exitMs",
];
const table = variants.map((v) => {
  const xs = samples.filter((s) => s.variant === v.name);
  const row: Record<string, string | number> = { variant: v.name, buildType: String(xs[0]?.probe.buildType) };
  for (const f of fields) {
    const vals = xs.map((s) => (f === "wallMs" ? s.wallMs : f === "exitMs" ? s.exitMs : Number(s.probe[f])));
    row[f] = Math.round(median(vals) * 10) / 10;
  }
  return row;
});
console.log(`set ${values.set}, model ${values.model}, ${runs} interleaved runs, medians`);
console.table(table);
const dir = join(import.meta.dirname, "..", "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `experiment-${values.set}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify({ set: values.set, model: values.model, runs, table, samples }, null, 2)}\n`);
console.log(`wrote ${file}`);
