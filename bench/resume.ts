/**
 * Instant-resume benchmark: time to first token when a ~1500-token conversation is resumed in a
 * freshly loaded engine, with its saved context state and without it (re-evaluating the whole
 * conversation). Runs are interleaved so machine noise spreads evenly. Prints a table of medians
 * and writes every sample to bench/results/resume-<time>.json.
 *
 *   node --import tsx bench/resume.ts [model.gguf] [--runs 5] [--tokens 1500] [--threads 1]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_PARAMS } from "../dist/chat/params.js";
import { restoreSnapshot, saveSnapshot, type RestoreOutcome } from "../dist/core/snapshot.js";
import type { Message } from "../dist/chat/types.js";
import type { LlamaEngine } from "../dist/engine/llama/engine.js";
import { loadLlamaEngine } from "../dist/engine/llama/load.js";
import { modelIdentity } from "../dist/store/conversation-writer.js";
import { median } from "./stats.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "5" },
    tokens: { type: "string", default: "1500" },
    threads: { type: "string", default: "1" },
  },
});
const modelPath = positionals[0] ?? join(import.meta.dirname, "../../shared/models/bench-106m-q8_0.gguf");
const runs = Number(values.runs);
const target = Number(values.tokens);
const threads = Number(values.threads);
const contextSize = 4096;
const dir = mkdtempSync(join(tmpdir(), "parley-bench-resume-"));
const conversationId = "benchresume";

function load(): Promise<LlamaEngine> {
  return loadLlamaEngine({
    kind: "llama",
    model: modelPath,
    gpu: "off",
    gpuLayers: 0,
    contextSize,
    threads,
    template: "auto",
    debug: false,
  });
}

const TOPICS = ["rivers", "mountains", "the sea", "old maps", "bread", "bridges", "clocks", "gardens", "trains"];

/** A conversation of about `target` prompt tokens: plain turns about everyday things. */
function conversation(engine: LlamaEngine): Message[] {
  const messages: Message[] = [{ role: "system", content: "You are a patient assistant who explains things." }];
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

interface Sample {
  mode: "with" | "without";
  run: number;
  ttftMs: number;
  restoreMs: number;
  outcome: RestoreOutcome | "none";
  reusedTokens: number;
  promptTokens: number;
  evaluatedTokens: number;
}

async function resume(mode: Sample["mode"], run: number, messages: Message[]): Promise<Sample> {
  const engine = await load();
  try {
    const start = performance.now();
    let outcome: Sample["outcome"] = "none";
    let reusedTokens = 0;
    if (mode === "with") {
      const model = modelIdentity(modelPath);
      const r = await restoreSnapshot(engine, { conversationId, model, template: engine.info.template, messages, dir });
      outcome = r.outcome;
      reusedTokens = r.reusedTokens;
    }
    const restoreMs = performance.now() - start;
    const before = engine.evaluatedTokens;
    const params = { ...DEFAULT_PARAMS, temperature: 0, maxTokens: 1 };
    const result = await engine.generate({ messages, params, onText: () => {} });
    const ttftMs = (result.firstTokenAt ?? result.endedAt) - start;
    const evaluatedTokens = engine.evaluatedTokens - before;
    return { mode, run, ttftMs, restoreMs, outcome, reusedTokens, promptTokens: result.promptTokens, evaluatedTokens };
  } finally {
    await engine.dispose();
  }
}

// The first session: read the conversation, answer, and save the snapshot on leaving.
const first = await load();
const history = conversation(first);
let reply = "";
const t0 = performance.now();
await first.generate({
  messages: history,
  params: { ...DEFAULT_PARAMS, temperature: 0, maxTokens: 16 },
  onText: (t) => (reply += t),
});
const firstMs = performance.now() - t0;
const t1 = performance.now();
const saved = await saveSnapshot(first, {
  conversationId,
  model: modelIdentity(modelPath),
  template: first.info.template,
  capBytes: 4 * 2 ** 30,
  dir,
});
const saveMs = performance.now() - t1;
await first.dispose();
if (saved.outcome !== "saved") throw new Error(`saving the snapshot failed: ${saved.outcome} ${saved.error ?? ""}`);
const resumed: Message[] = [...history, { role: "assistant", content: reply }, { role: "user", content: "And why?" }];

const samples: Sample[] = [];
for (let run = 0; run < runs; run++) {
  const order: Sample["mode"][] = run % 2 === 0 ? ["with", "without"] : ["without", "with"];
  for (const mode of order) samples.push(await resume(mode, run, resumed));
}
rmSync(dir, { recursive: true, force: true });

const of = (mode: Sample["mode"]) => samples.filter((s) => s.mode === mode);
const row = (mode: Sample["mode"]) => {
  const xs = of(mode);
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
const rows = [row("without"), row("with")];
const ratio = rows[1]!.medianTtftMs / rows[0]!.medianTtftMs;

console.log(`model ${modelPath}, threads ${threads}, context ${contextSize}, ${runs} runs each`);
console.log(
  `conversation: ${resumed.length} messages, ${samples[0]?.promptTokens} prompt tokens; snapshot ${saved.tokens} tokens, ${(saved.bytes / 2 ** 20).toFixed(1)} MiB, saved in ${saveMs.toFixed(0)} ms (first reading ${firstMs.toFixed(0)} ms)`,
);
console.log("mode     | median TTFT | min      | max      | restore  | evaluated tokens | outcome");
for (const r of rows) {
  const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
  console.log(
    `${r.mode.padEnd(8)} | ${ms(r.medianTtftMs).padStart(11)} | ${ms(r.minTtftMs)} | ${ms(r.maxTtftMs)} | ${ms(r.medianRestoreMs)} | ${String(r.evaluatedTokens).padStart(16)} | ${r.outcomes}`,
  );
}
console.log(`ratio with/without: ${ratio.toFixed(3)} (target <= 0.25)`);

const out = join(import.meta.dirname, "results");
mkdirSync(out, { recursive: true });
const file = join(out, `resume-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      model: modelPath,
      threads,
      contextSize,
      runs,
      loadavg: loadavg(),
      snapshot: { tokens: saved.tokens, bytes: saved.bytes, saveMs },
      rows,
      ratio,
      samples,
    },
    null,
    2,
  )}\n`,
);
console.log(`written to ${file}`);
