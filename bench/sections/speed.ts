/**
 * Engine speed against llama-bench: decode (128 generated tokens) at 1..N threads, and prompt
 * processing of a ~512-token prompt. Each run measures parley and then the peer at one thread
 * count, so noise from other work on the machine falls on both alike.
 */
import { median } from "../stats.ts";
import { llamaBench, type Peer } from "../lib/peer.ts";
import { parleyDefaultBatchThreads, parleyDefaultThreads, parleyJson } from "../lib/parley.ts";
import type { Row } from "../lib/table.ts";

export interface SpeedOptions {
  model: string;
  label: string;
  runs: number;
  threads: number[];
  peer: Peer | undefined;
  log: (line: string) => void;
}

interface Sample {
  kind: "decode" | "prompt";
  /** "default": parley chose (decode threads for this machine, prompts on the free cores). */
  threads: number | "default";
  parley: number;
  peer: number | undefined;
  promptTokens?: number;
  completionTokens?: number;
}

const STORY = "The old keeper climbed the stairs of the lighthouse every night and lit the lamp for the boats. ";

/** A prompt of about `target` tokens once templated, found by measuring parley's own count. */
export function promptOfAbout(model: string, target: number): { text: string; tokens: number } {
  const probe = (n: number) =>
    parleyJson(["-m", model, "-n", "1", "--temperature", "0", STORY.repeat(n)]).usage.prompt_tokens;
  const one = probe(4);
  let n = Math.max(1, Math.round((4 * target) / one));
  let tokens = probe(n);
  n = Math.max(1, Math.round((n * target) / tokens));
  tokens = probe(n);
  return { text: STORY.repeat(n), tokens };
}

export function runSpeed(o: SpeedOptions): { rows: Row[]; samples: Sample[]; promptTokens: number } {
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
      o.log(
        `${o.label} run ${run + 1}/${o.runs} threads ${t}: decode ${d.timings.predicted_per_second.toFixed(1)} vs ${dp?.toFixed(1) ?? "-"}, ` +
          `prompt ${p.timings.prompt_per_second.toFixed(0)} vs ${pp?.toFixed(0) ?? "-"} tok/s`,
      );
    }
    // parley's own choice of threads, with no --threads.
    const d = parleyJson([...common, "-n", "128", "Once upon a time"]);
    const p = parleyJson([...common, "-n", "1", prompt.text]);
    samples.push({ kind: "decode", threads: "default", parley: d.timings.predicted_per_second, peer: undefined });
    samples.push({ kind: "prompt", threads: "default", parley: p.timings.prompt_per_second, peer: undefined });
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
  for (const kind of ["decode", "prompt"] as const) {
    const name = kind === "decode" ? "decode, 128 tokens" : `prompt processing, ${prompt.tokens} tokens`;
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
    const top = best(kind);
    const mine = median(samples.filter((s) => s.kind === kind && s.threads === "default").map((s) => s.parley));
    const chosen = kind === "decode" ? `${def}` : `${defaultBatch}, the free cores`;
    rows.push({
      section: o.label,
      figure: `${kind}: parley default (${chosen}) vs peer best (${top ? top.threads : "-"})`,
      parley: mine,
      peer: top?.tps,
      unit: "tok/s",
      target: ">= 0.95x",
    });
  }
  return { rows, samples, promptTokens: prompt.tokens };
}
