/**
 * Engine speed against llama-bench: decode (128 generated tokens) at 1..N threads, and prompt
 * processing of a ~512-token prompt. Each run measures parley and then the peer at one thread
 * count, so noise from other work on the machine falls on both alike.
 */
import { median } from "../stats.ts";
import { greedy, loadEngine } from "../lib/engine.ts";
import { llamaBench } from "../lib/peer.ts";
import { parleyDefaultBatchThreads, parleyDefaultThreads, parleyJson } from "../lib/parley.ts";
import type { SectionOptions } from "../lib/section.ts";
import type { Row } from "../lib/table.ts";

export type SpeedOptions = SectionOptions;

interface Sample {
  /** "prompt": a process's first prompt, cold; "warm prompt": its second, as llama-bench measures. */
  kind: "decode" | "prompt" | "warm prompt";
  /** "default": parley chose (decode threads for this machine, prompts on the free cores). */
  threads: number | "default";
  parley: number;
  peer: number | undefined;
  promptTokens?: number;
  completionTokens?: number;
}

const STORY = "The old keeper climbed the stairs of the lighthouse every night and lit the lamp for the boats. ";

/**
 * A prompt of at most `target` tokens once templated, as near as whole sentences allow, found by
 * measuring parley's own count: with more than llama-bench's 512, parley would read the prompt in
 * two batches where llama-bench reads one.
 */
export function promptOfAbout(model: string, target: number): { text: string; tokens: number } {
  const probe = (n: number) =>
    parleyJson(["-m", model, "-n", "1", "--temperature", "0", STORY.repeat(n)]).usage.prompt_tokens;
  const [four, eight] = [probe(4), probe(8)];
  const per = (eight - four) / 4;
  let n = Math.max(1, Math.floor((target - (four - 4 * per)) / per));
  let tokens = probe(n);
  while (tokens > target && n > 1) tokens = probe(--n);
  for (let next = probe(n + 1); next <= target; next = probe(n + 1)) [n, tokens] = [n + 1, next];
  return { text: STORY.repeat(n), tokens };
}

/**
 * Prompt tokens/s the way llama-bench measures them (it runs each test once unmeasured first): in
 * one engine set up as a single request sets up its own, a first prompt, then the measured one.
 * The two differ in their first word, so only the template's opening is reused.
 */
async function warmPrompt(model: string, text: string, threads: number | undefined): Promise<number> {
  const engine = await loadEngine({ model, threads, contextSize: 4096, oneShot: true });
  try {
    const params = await greedy(1);
    await engine.generate({ messages: [{ role: "user", content: `Then ${text}` }], params, onText: () => {} });
    const before = engine.evaluatedTokens;
    const r = await engine.generate({ messages: [{ role: "user", content: `Now ${text}` }], params, onText: () => {} });
    return ((engine.evaluatedTokens - before) * 1000) / ((r.firstTokenAt ?? r.endedAt) - r.startedAt);
  } finally {
    await engine.dispose();
  }
}

export async function runSpeed(o: SpeedOptions): Promise<{ rows: Row[]; samples: Sample[]; promptTokens: number }> {
  const samples: Sample[] = [];
  const common = ["-m", o.model, "--temperature", "0", "--seed", "1", "--context-size", "4096"];
  const prompt = promptOfAbout(o.model, 512);
  o.log(`${o.label}: prompt of ${prompt.tokens} tokens for prompt processing`);
  for (let run = 0; run < o.runs; run++) {
    for (const t of o.threads) {
      const d = parleyJson([...common, "--threads", String(t), "-n", "128", "Once upon a time"]);
      const dp = o.peer ? llamaBench(o.peer, o.model, { threads: t, gen: 128 }) : undefined;
      samples.push({
        kind: "decode",
        threads: t,
        parley: d.timings.predicted_per_second,
        peer: dp,
        completionTokens: d.usage.completion_tokens,
      });
      const p = parleyJson([...common, "--threads", String(t), "-n", "1", prompt.text]);
      const pp = o.peer ? llamaBench(o.peer, o.model, { threads: t, prompt: 512 }) : undefined;
      samples.push({
        kind: "prompt",
        threads: t,
        parley: p.timings.prompt_per_second,
        peer: pp,
        promptTokens: p.usage.prompt_tokens,
      });
      const w = await warmPrompt(o.model, prompt.text, t);
      samples.push({ kind: "warm prompt", threads: t, parley: w, peer: pp });
      o.log(
        `${o.label} run ${run + 1}/${o.runs} threads ${t}: decode ${d.timings.predicted_per_second.toFixed(1)} vs ${dp?.toFixed(1) ?? "-"}, ` +
          `prompt ${p.timings.prompt_per_second.toFixed(0)} (warm ${w.toFixed(0)}) vs ${pp?.toFixed(0) ?? "-"} tok/s`,
      );
    }
    // parley's own choice of threads, with no --threads.
    const d = parleyJson([...common, "-n", "128", "Once upon a time"]);
    const p = parleyJson([...common, "-n", "1", prompt.text]);
    const w = await warmPrompt(o.model, prompt.text, undefined);
    samples.push({ kind: "decode", threads: "default", parley: d.timings.predicted_per_second, peer: undefined });
    samples.push({ kind: "prompt", threads: "default", parley: p.timings.prompt_per_second, peer: undefined });
    samples.push({ kind: "warm prompt", threads: "default", parley: w, peer: undefined });
    o.log(
      `${o.label} run ${run + 1}/${o.runs} parley's default threads: decode ${d.timings.predicted_per_second.toFixed(1)}, prompt ${p.timings.prompt_per_second.toFixed(0)} tok/s`,
    );
  }
  const rows: Row[] = [];
  const best = (kind: Sample["kind"]) => {
    let top: { threads: number; tps: number } | undefined;
    for (const t of o.threads) {
      const m = median(
        samples.filter((s) => s.kind === kind && s.threads === t && s.peer !== undefined).map((s) => s.peer!),
      );
      if (Number.isFinite(m) && (!top || m > top.tps)) top = { threads: t, tps: m };
    }
    return top;
  };
  const def = parleyDefaultThreads();
  const defaultBatch = parleyDefaultBatchThreads(def);
  for (const kind of ["decode", "prompt", "warm prompt"] as const) {
    const name =
      kind === "decode"
        ? "decode, 128 tokens"
        : `${kind === "prompt" ? "first prompt of a process" : "prompt, warm"}, ${prompt.tokens} tokens`;
    for (const t of o.threads) {
      const xs = samples.filter((s) => s.kind === kind && s.threads === t);
      const peer = o.peer ? median(xs.map((s) => s.peer!)) : undefined;
      rows.push({
        section: o.label,
        figure: `${name}, ${t} thread${t > 1 ? "s" : ""}`,
        parley: median(xs.map((s) => s.parley)),
        peer,
        unit: "tok/s",
      });
    }
    const top = best(kind === "decode" ? "decode" : "prompt");
    const mine = median(samples.filter((s) => s.kind === kind && s.threads === "default").map((s) => s.parley));
    const chosen = kind === "decode" ? `${def}` : `${defaultBatch}, the free cores`;
    rows.push({
      section: o.label,
      figure: `${kind === "warm prompt" ? "prompt, warm" : kind}: parley default (${chosen}) vs peer best (${top ? top.threads : "-"})`,
      parley: mine,
      peer: top?.tps,
      unit: "tok/s",
      target: ">= 0.95x",
    });
  }
  return { rows, samples, promptTokens: prompt.tokens };
}
