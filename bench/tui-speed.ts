/**
 * Decode speed in the interactive chat vs one-shot text mode, both in a real terminal (tmux), on
 * the same model, prompt, seed and thread count. Runs are interleaved in pairs and the order
 * inside a pair alternates, so load from other work on the machine falls on both modes alike.
 * Run alone it prints medians, the ratio of the medians, the median of the per-pair ratios and
 * the load average, and writes every sample to bench/results/tui-speed-<time>.json; the suite
 * (bench/run.ts) calls runTuiSpeed for its table.
 *
 *   npm run build && node --import tsx bench/tui-speed.ts [--runs 7] [--tokens 400] [--color]
 *     [--markdown off] [--model file.gguf]      (default model: ../shared/models/stories260K.gguf)
 *
 * Both figures are the engine's decode speed (tokens after the first, over the time after the
 * first): one-shot prints it with --stats, the chat shows it on its status line.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Term } from "../test/e2e/tmux.ts";
import { median } from "./stats.ts";
import type { Row } from "./lib/table.ts";

export const SMALL_MODEL = fileURLToPath(new URL("../../shared/models/stories260K.gguf", import.meta.url));
const PROMPT = "Once upon a time";

export interface TuiSpeedOptions {
  model: string;
  runs: number;
  tokens: number;
  color: boolean;
  markdown: "on" | "off";
  log: (line: string) => void;
}

export interface Pair {
  oneShot: number;
  tui: number;
  order: "one-shot first" | "tui first";
  load1: number;
}

export async function runTuiSpeed(o: TuiSpeedOptions): Promise<{ rows: Row[]; pairs: Pair[]; args: string[] }> {
  const args = ["-m", o.model, "--threads", "1", "-n", String(o.tokens), "--temperature", "0", "--seed", "1"];
  const term = { color: o.color, columns: 100, rows: 30 };

  async function oneShot(): Promise<number> {
    const t = Term.start([...args, "--stats", PROMPT], term);
    try {
      await t.waitForExit(180_000);
      // (waitForExit reads a status file: no tmux client runs while the model generates.)
      const text = t.all().replace(/\n/g, "");
      const match = /decode: ([\d.]+) tokens\/s/.exec(text);
      if (!match) throw new Error(`no stats in one-shot output:\n${t.all()}`);
      return Number(match[1]);
    } finally {
      t.kill();
    }
  }

  async function interactive(): Promise<number> {
    const t = Term.start(args, term);
    try {
      await t.ready(180_000);
      if (o.markdown === "off") {
        t.type("/markdown off");
        await t.waitFor("> /markdown off");
        t.press("Enter");
        await t.waitFor((s) => /^idle · ctx/m.test(s) && s.includes("> ") && !s.includes("> /markdown"));
      }
      t.type(PROMPT);
      await t.waitFor(`> ${PROMPT}`);
      t.press("Enter");
      // Each poll runs a tmux client, which on a small machine takes CPU from the model: poll
      // seldom while it generates (the figure is the engine's own, not this wait's).
      const screen = await t.waitFor(/^idle · .*last \d+ tok, [\d.]+ tok\/s/m, 180_000, 1000);
      const match = /last \d+ tok, ([\d.]+) tok\/s/.exec(screen);
      t.press("C-d");
      await t.waitForExit();
      return Number(match?.[1]);
    } finally {
      t.kill();
    }
  }

  const pairs: Pair[] = [];
  for (let i = 0; i < o.runs; i++) {
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
    o.log(
      `chat screen run ${i + 1}/${o.runs}: one-shot ${a.toFixed(0)}, chat ${b.toFixed(0)} tok/s, load ${load1.toFixed(2)}`,
    );
  }
  const oneShotTps = median(pairs.map((p) => p.oneShot));
  const tuiTps = median(pairs.map((p) => p.tui));
  const row: Row = {
    section: "chat screen",
    figure: `decode in the chat screen (ratio: / one-shot ${oneShotTps.toFixed(0)} tok/s), ${o.tokens} tokens`,
    parley: tuiTps,
    peer: undefined,
    unit: "tok/s",
    ratio: tuiTps / oneShotTps,
    target: ">= 0.95x",
  };
  return { rows: [row], pairs, args };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "7" },
      tokens: { type: "string", default: "400" },
      model: { type: "string", default: process.env.PARLEY_BENCH_MODEL ?? SMALL_MODEL },
      color: { type: "boolean", default: false },
      markdown: { type: "string", default: "on" },
    },
  });
  const markdown = values.markdown === "off" ? "off" : "on";
  const { pairs, args } = await runTuiSpeed({
    model: values.model,
    runs: Number(values.runs),
    tokens: Number(values.tokens),
    color: values.color,
    markdown,
    log: (l) => console.log(l),
  });
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
    `model ${values.model}, --threads 1, -n ${values.tokens}, ${pairs.length} interleaved pairs, ` +
      `markdown ${markdown}, colour ${values.color ? "on" : "off"}, ${availableParallelism()} CPUs`,
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
  const tmux = execFileSync("tmux", ["-V"], { encoding: "utf8" }).trim();
  const summary = { oneShot: median(oneShotTps), tui: median(tuiTps) };
  const record = {
    model: values.model,
    args,
    prompt: PROMPT,
    markdown,
    color: values.color,
    cpus: availableParallelism(),
    cpu,
    node: process.version,
    tmux,
    pairs,
    median: summary,
    ratio,
    pairRatio,
    loadAverage1m: load,
  };
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
