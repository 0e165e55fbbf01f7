/**
 * Instant-resume benchmark: time to first token when a ~1500-token conversation is resumed in a
 * freshly loaded engine, with its saved context state and without it (re-evaluating the whole
 * conversation). Runs are interleaved so machine noise spreads evenly. Run alone it prints a
 * table of medians and writes every sample to bench/results/resume-<time>.json; the suite
 * (bench/run.ts) calls runResume for its table.
 *
 *   npm run build && node --import tsx bench/resume.ts [model.gguf] [--runs 5] [--tokens 1500] [--threads 1]
 *     (default model: ../shared/models/bench-106m-q8_0.gguf)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { greedy, loadEngine, snapshotApi, type BenchEngine, type BenchMessage } from "./lib/engine.ts";
import type { Row } from "./lib/table.ts";
import { median } from "./stats.ts";

export const BENCH_MODEL = fileURLToPath(new URL("../../shared/models/bench-106m-q8_0.gguf", import.meta.url));
const CONTEXT = 4096;
const TOPICS = ["rivers", "mountains", "the sea", "old maps", "bread", "bridges", "clocks", "gardens", "trains"];

export interface ResumeOptions {
  model: string;
  runs: number;
  tokens: number;
  threads: number;
  log: (line: string) => void;
}

interface Sample {
  mode: "with" | "without";
  run: number;
  ttftMs: number;
  restoreMs: number;
  outcome: string;
  reusedTokens: number;
  promptTokens: number;
  evaluatedTokens: number;
}

/** A conversation of about `target` prompt tokens: plain turns about everyday things. */
function conversation(engine: BenchEngine, target: number): BenchMessage[] {
  const messages: BenchMessage[] = [{ role: "system", content: "You are a patient assistant who explains things." }];
  for (let i = 0; engine.countTokens(messages) < target; i++) {
    const topic = TOPICS[i % TOPICS.length]!;
    messages.push({ role: "user", content: `Tell me something about ${topic}, please.` });
    messages.push({
      role: "assistant",
      content: `People have written about ${topic} for a long time. Here is one thing worth knowing: ${topic} change slowly, and the people who look after them learn their habits over many years.`,
    });
  }
  return messages;
}

export async function runResume(o: ResumeOptions) {
  const api = await snapshotApi();
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-resume-"));
  const conversationId = "benchresume";
  const load = () => loadEngine({ model: o.model, threads: o.threads, contextSize: CONTEXT });
  try {
    // The first session: read the conversation, answer, and save the snapshot on leaving.
    const first = await load();
    const history = conversation(first, o.tokens);
    let reply = "";
    const t0 = performance.now();
    await first.generate({ messages: history, params: await greedy(16), onText: (t) => (reply += t) });
    const firstMs = performance.now() - t0;
    const t1 = performance.now();
    const model = api.modelIdentity(o.model);
    const saved = await api.saveSnapshot(first, {
      conversationId,
      model,
      template: first.info.template,
      capBytes: 4 * 2 ** 30,
      dir,
    });
    const saveMs = performance.now() - t1;
    await first.dispose();
    if (saved.outcome !== "saved") throw new Error(`saving the snapshot failed: ${saved.outcome} ${saved.error ?? ""}`);
    const messages: BenchMessage[] = [
      ...history,
      { role: "assistant", content: reply },
      { role: "user", content: "And why?" },
    ];

    const one = async (mode: Sample["mode"], run: number): Promise<Sample> => {
      const engine = await load();
      try {
        const start = performance.now();
        let outcome = "none";
        let reusedTokens = 0;
        if (mode === "with") {
          const r = await api.restoreSnapshot(engine, {
            conversationId,
            model,
            template: engine.info.template,
            messages,
            dir,
          });
          outcome = r.outcome;
          reusedTokens = r.reusedTokens;
        }
        const restoreMs = performance.now() - start;
        const before = engine.evaluatedTokens;
        const result = await engine.generate({ messages, params: await greedy(1), onText: () => {} });
        const ttftMs = (result.firstTokenAt ?? result.endedAt) - start;
        const evaluatedTokens = engine.evaluatedTokens - before;
        return {
          mode,
          run,
          ttftMs,
          restoreMs,
          outcome,
          reusedTokens,
          promptTokens: result.promptTokens,
          evaluatedTokens,
        };
      } finally {
        await engine.dispose();
      }
    };
    const samples: Sample[] = [];
    for (let run = 0; run < o.runs; run++) {
      const order: Sample["mode"][] = run % 2 === 0 ? ["with", "without"] : ["without", "with"];
      for (const mode of order) samples.push(await one(mode, run));
      const last = samples.slice(-2).map((s) => `${s.mode} ${s.ttftMs.toFixed(0)} ms`);
      o.log(`resume run ${run + 1}/${o.runs}: ${last.join(", ")}`);
    }
    const summary = (mode: Sample["mode"]) => {
      const xs = samples.filter((s) => s.mode === mode);
      const t = xs.map((s) => s.ttftMs);
      return {
        mode,
        medianTtftMs: median(t),
        minTtftMs: Math.min(...t),
        maxTtftMs: Math.max(...t),
        medianRestoreMs: median(xs.map((s) => s.restoreMs)),
        evaluatedTokens: median(xs.map((s) => s.evaluatedTokens)),
        outcomes: [...new Set(xs.map((s) => s.outcome))].join(","),
      };
    };
    const without = summary("without");
    const withSnap = summary("with");
    const promptTokens = samples[0]?.promptTokens ?? 0;
    const row: Row = {
      section: "resume",
      figure: `resume ${promptTokens}-token chat, first token with snapshot (ratio: / without ${without.medianTtftMs.toFixed(0)} ms)`,
      parley: withSnap.medianTtftMs,
      peer: undefined,
      unit: "ms",
      ratio: withSnap.medianTtftMs / without.medianTtftMs,
      target: "<= 0.25x",
    };
    const snapshot = { tokens: saved.tokens, bytes: saved.bytes, saveMs, firstMs };
    return { rows: [row], summaries: [without, withSnap], samples, snapshot, promptTokens, messages: messages.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: "string", default: "5" },
      tokens: { type: "string", default: "1500" },
      threads: { type: "string", default: "1" },
    },
  });
  const model = positionals[0] ?? BENCH_MODEL;
  const threads = Number(values.threads);
  const runs = Number(values.runs);
  const r = await runResume({ model, runs, tokens: Number(values.tokens), threads, log: (l) => console.log(l) });
  console.log(`model ${model}, threads ${threads}, context ${CONTEXT}, ${runs} runs each`);
  console.log(
    `conversation: ${r.messages} messages, ${r.promptTokens} prompt tokens; snapshot ${r.snapshot.tokens} tokens, ${(r.snapshot.bytes / 2 ** 20).toFixed(1)} MiB, saved in ${r.snapshot.saveMs.toFixed(0)} ms (first reading ${r.snapshot.firstMs.toFixed(0)} ms)`,
  );
  console.log("mode     | median TTFT | min      | max      | restore  | evaluated tokens | outcome");
  const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
  for (const s of r.summaries) {
    console.log(
      `${s.mode.padEnd(8)} | ${ms(s.medianTtftMs).padStart(11)} | ${ms(s.minTtftMs)} | ${ms(s.maxTtftMs)} | ${ms(s.medianRestoreMs)} | ${String(s.evaluatedTokens).padStart(16)} | ${s.outcomes}`,
    );
  }
  console.log(`ratio with/without: ${r.rows[0]!.ratio!.toFixed(3)} (target <= 0.25)`);
  const out = join(import.meta.dirname, "results");
  mkdirSync(out, { recursive: true });
  const file = join(out, `resume-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ model, threads, contextSize: CONTEXT, runs, loadavg: loadavg(), ...r }, null, 2)}\n`,
  );
  console.log(`written to ${file}`);
}
