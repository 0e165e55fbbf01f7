/**
 * Decode speed in the interactive chat vs one-shot text mode, both in a real terminal (tmux), on
 * the same model, prompt, seed and thread count. Runs are interleaved in pairs and the order
 * inside a pair alternates, so load from other work on the machine falls on both modes alike.
 * Prints medians, the ratio of the medians, the median of the per-pair ratios and the load
 * average, and writes every sample to bench/results/tui-speed-<time>.json.
 *
 *   npm run build && node --import tsx bench/tui-speed.ts [--runs 7] [--tokens 400] [--color]
 *     [--markdown off] [--model file.gguf]
 *
 * Both figures are the engine's decode speed (tokens after the first, over the time after the
 * first): one-shot prints it with --stats, the chat shows it on its status line.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Term } from "../test/e2e/tmux.ts";
import { median } from "./stats.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    tokens: { type: "string", default: "400" },
    model: { type: "string", default: process.env.PARLEY_BENCH_MODEL ?? "/work/shared/models/stories260K.gguf" },
    color: { type: "boolean", default: false },
    markdown: { type: "string", default: "on" },
  },
});
const MODEL = values.model;
const RUNS = Number(values.runs);
const PROMPT = "Once upon a time";
const ARGS = ["-m", MODEL, "--threads", "1", "-n", values.tokens, "--temperature", "0", "--seed", "1"];
const TERM = { color: values.color, columns: 100, rows: 30 };

async function oneShot(): Promise<number> {
  const term = Term.start([...ARGS, "--stats", PROMPT], TERM);
  try {
    await term.waitForExit(180_000);
    // (waitForExit reads a status file: no tmux client runs while the model generates.)
    const text = term.all().replace(/\n/g, "");
    const match = /decode: ([\d.]+) tokens\/s/.exec(text);
    if (!match) throw new Error(`no stats in one-shot output:\n${term.all()}`);
    return Number(match[1]);
  } finally {
    term.kill();
  }
}

async function interactive(): Promise<number> {
  const term = Term.start(ARGS, TERM);
  try {
    await term.ready(180_000);
    if (values.markdown === "off") {
      term.type("/markdown off");
      await term.waitFor("> /markdown off");
      term.press("Enter");
      await term.waitFor((s) => /^idle · ctx/m.test(s) && s.includes("> ") && !s.includes("> /markdown"));
    }
    term.type(PROMPT);
    await term.waitFor(`> ${PROMPT}`);
    term.press("Enter");
    // Each poll runs a tmux client, which on a small machine takes CPU from the model: poll
    // seldom while it generates (the figure is the engine's own, not this wait's).
    const screen = await term.waitFor(/^idle · .*last \d+ tok, [\d.]+ tok\/s/m, 180_000, 1000);
    const match = /last \d+ tok, ([\d.]+) tok\/s/.exec(screen);
    term.press("C-d");
    await term.waitForExit();
    return Number(match?.[1]);
  } finally {
    term.kill();
  }
}

interface Pair {
  oneShot: number;
  tui: number;
  order: "one-shot first" | "tui first";
  load1: number;
}

const pairs: Pair[] = [];
for (let i = 0; i < RUNS; i++) {
  const load1 = loadavg()[0] ?? 0;
  let a: number;
  let b: number;
  if (i % 2 === 0) {
    a = await oneShot();
    b = await interactive();
  } else {
    b = await interactive();
    a = await oneShot();
  }
  pairs.push({ oneShot: a, tui: b, order: i % 2 === 0 ? "one-shot first" : "tui first", load1 });
  console.log(
    `run ${i + 1}/${RUNS}: one-shot ${a.toFixed(0)}, tui ${b.toFixed(0)} tok/s (${((b / a) * 100).toFixed(0)}%), load ${load1.toFixed(2)}`,
  );
}

const oneShotTps = pairs.map((p) => p.oneShot);
const tuiTps = pairs.map((p) => p.tui);
const ratio = median(tuiTps) / median(oneShotTps);
const pairRatio = median(pairs.map((p) => p.tui / p.oneShot));
const loads = pairs.map((p) => p.load1);
const load = { min: Math.min(...loads), median: median(loads), max: Math.max(...loads), end: loadavg()[0] ?? 0 };
const row = (name: string, v: number[]): string =>
  `${name.padEnd(10)} ${median(v).toFixed(1).padStart(10)}   ${v.map((x) => x.toFixed(0)).join(", ")}`;

console.log("");
console.log(
  `model ${MODEL}, --threads 1, -n ${values.tokens}, ${RUNS} interleaved pairs, ` +
    `markdown ${values.markdown}, colour ${values.color ? "on" : "off"}, ${availableParallelism()} CPUs`,
);
console.log(`${"mode".padEnd(10)} ${"median".padStart(10)}   runs (decode tokens/s)`);
console.log(row("one-shot", oneShotTps));
console.log(row("tui", tuiTps));
console.log(
  `tui / one-shot: ${(ratio * 100).toFixed(1)}% (ratio of medians), ${(pairRatio * 100).toFixed(1)}% (median of pairs)`,
);
console.log(
  `1-min load average during the runs: median ${load.median.toFixed(2)} (min ${load.min.toFixed(2)}, max ${load.max.toFixed(2)})`,
);

const dir = join(import.meta.dirname, "results");
mkdirSync(dir, { recursive: true });
const out = join(dir, `tui-speed-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
const cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
writeFileSync(
  out,
  `${JSON.stringify(
    {
      model: MODEL,
      args: ARGS,
      prompt: PROMPT,
      runs: RUNS,
      markdown: values.markdown,
      color: values.color,
      cpus: availableParallelism(),
      cpu,
      node: process.version,
      tmux: execFileSync("tmux", ["-V"], { encoding: "utf8" }).trim(),
      pairs,
      median: { oneShot: median(oneShotTps), tui: median(tuiTps) },
      ratio,
      pairRatio,
      loadAverage1m: load,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${out}`);
