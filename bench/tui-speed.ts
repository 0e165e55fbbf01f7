/**
 * Tokens per second in the interactive chat vs one-shot text mode, both in a real terminal (tmux),
 * same model, prompt, seed and thread count. Prints a table and writes JSON to bench/results/.
 * Run: npm run build && node --import tsx bench/tui-speed.ts [runs]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Term } from "../test/e2e/tmux.ts";

const MODEL = process.env.PARLEY_BENCH_MODEL ?? "/work/shared/models/stories260K.gguf";
const RUNS = Number(process.argv[2] ?? 5);
const PROMPT = "Once upon a time";
const ARGS = ["-m", MODEL, "--threads", "1", "-n", "400", "--temperature", "0", "--seed", "1"];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function oneShot(): Promise<number> {
  const term = Term.start([...ARGS, "--stats", PROMPT], { env: { PARLEY_BENCH: "1" } });
  try {
    await term.waitForExit(120_000);
    const text = term.all().replace(/\n/g, "");
    const match = /decode: ([\d.]+) tokens\/s/.exec(text);
    if (!match) throw new Error(`no stats in one-shot output:\n${term.all()}`);
    return Number(match[1]);
  } finally {
    term.kill();
  }
}

async function interactive(): Promise<number> {
  const term = Term.start(ARGS);
  try {
    await term.ready(120_000);
    term.type(PROMPT);
    await term.waitFor(`> ${PROMPT}`);
    term.press("Enter");
    const screen = await term.waitFor(/^idle · .*last \d+ tok, [\d.]+ tok\/s/m, 120_000);
    const match = /last \d+ tok, ([\d.]+) tok\/s/.exec(screen);
    term.press("C-d");
    await term.waitForExit();
    return Number(match?.[1]);
  } finally {
    term.kill();
  }
}

const results = { oneShot: [] as number[], tui: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  results.oneShot.push(await oneShot());
  results.tui.push(await interactive());
}
const row = (name: string, v: number[]): string =>
  `${name.padEnd(10)} ${median(v).toFixed(1).padStart(10)} ${v.map((x) => x.toFixed(0)).join(", ")}`;
const ratio = median(results.tui) / median(results.oneShot);
console.log(`model ${MODEL}, --threads 1, -n 400, ${RUNS} runs each, median decode tokens/s`);
console.log(`${"mode".padEnd(10)} ${"median".padStart(10)} runs`);
console.log(row("one-shot", results.oneShot));
console.log(row("tui", results.tui));
console.log(`tui / one-shot: ${(ratio * 100).toFixed(1)}%`);
const dir = join(import.meta.dirname, "results");
mkdirSync(dir, { recursive: true });
const out = join(dir, `tui-speed-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown";
writeFileSync(
  out,
  `${JSON.stringify(
    {
      model: MODEL,
      args: ARGS,
      prompt: PROMPT,
      runs: RUNS,
      cpu,
      node: process.version,
      tmux: execFileSync("tmux", ["-V"], { encoding: "utf8" }).trim(),
      tokensPerSecond: results,
      median: { oneShot: median(results.oneShot), tui: median(results.tui) },
      ratio,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${out}`);
