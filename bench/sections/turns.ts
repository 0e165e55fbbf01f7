/**
 * Multi-turn: time to first token at turns 1, 10 and 20 of one chat in one engine, the context
 * reused from turn to turn (only the new user message and the template around it are read). With
 * the peer, llama-bench reads batches of the same sizes at the same depths (standard attention, as
 * the chat screen uses): the part of the rise that is llama.cpp's own arithmetic.
 */
import { median } from "../stats.ts";
import { greedy, loadEngine, type BenchMessage } from "../lib/engine.ts";
import { parleyDefaultBatchThreads, parleyDefaultThreads } from "../lib/parley.ts";
import { llamaBench, type Peer } from "../lib/peer.ts";
import type { Row } from "../lib/table.ts";

export interface TurnsOptions {
  model: string;
  label: string;
  runs: number;
  /** Undefined: parley's defaults, as the chat screen runs. */
  threads: number | undefined;
  turns: number;
  peer: Peer | undefined;
  log: (line: string) => void;
}

const ASKS = ["Tell me about the sea.", "And the boats?", "Who lives by the shore?", "What do they eat?", "Go on."];

export async function runTurns(o: TurnsOptions): Promise<{ rows: Row[]; samples: number[][] }> {
  const samples: number[][] = [];
  /** Per turn of the first run: the tokens read for it, and how deep in the context. */
  const batches: { tokens: number; depth: number }[] = [];
  const params = await greedy(32);
  for (let i = 0; i < o.runs; i++) {
    // A random-weights model's 32 tokens can come back as 100-200 once its text is read again
    // (pieces of a 151,936-token vocabulary): 20 turns then take over 4,096 tokens.
    const engine = await loadEngine({ model: o.model, threads: o.threads, contextSize: 8192 });
    try {
      const messages: BenchMessage[] = [{ role: "system", content: "You are a patient assistant." }];
      const ttft: number[] = [];
      for (let turn = 1; turn <= o.turns; turn++) {
        messages.push({ role: "user", content: ASKS[turn % ASKS.length]! });
        let reply = "";
        const before = engine.evaluatedTokens;
        const r = await engine.generate({ messages, params, onText: (t) => (reply += t) });
        ttft.push((r.firstTokenAt ?? r.endedAt) - r.startedAt);
        // The batch read for the prompt: its input tokens and the last one, whose logits are
        // the first token's (node-llama-cpp counts that one, and every generated one, as output).
        const read = engine.evaluatedTokens - before + 1;
        if (i === 0) batches.push({ tokens: read, depth: r.promptTokens - read });
        messages.push({ role: "assistant", content: reply });
      }
      samples.push(ttft);
      o.log(
        `${o.label} multi-turn run ${i + 1}/${o.runs}: turn 1 ${ttft[0]!.toFixed(0)} ms, 10 ${ttft[9]?.toFixed(0)} ms, 20 ${ttft[19]?.toFixed(0)} ms`,
      );
    } finally {
      await engine.dispose();
    }
  }
  const at = (turn: number) => median(samples.map((s) => s[turn - 1]!));
  const first = at(1);
  const rows: Row[] = [1, 10, 20]
    .filter((t) => t <= o.turns)
    .map((t) => ({
      section: o.label,
      figure: `multi-turn time to first token, turn ${t} (ratio: / turn 1)`,
      parley: at(t),
      peer: undefined,
      unit: "ms",
      ratio: at(t) / first,
      ...(t === 20 ? { target: "<= 1.2x" } : {}),
    }));
  const last = Math.min(20, o.turns);
  if (o.peer && last > 1) {
    const threads = o.threads ?? parleyDefaultBatchThreads(parleyDefaultThreads());
    const ms = (turn: number) => {
      const { tokens, depth } = batches[turn - 1]!;
      const tps = llamaBench(o.peer!, o.model, { threads, prompt: tokens, depth, flashAttention: false, runs: 5 });
      return (tokens * 1000) / tps;
    };
    const [one, end] = [ms(1), ms(last)];
    const b = (t: number) => `${batches[t - 1]!.tokens} tokens at depth ${batches[t - 1]!.depth}`;
    o.log(
      `${o.label} multi-turn, llama-bench: turn 1 (${b(1)}) ${one.toFixed(0)} ms, turn ${last} (${b(last)}) ${end.toFixed(0)} ms`,
    );
    rows.push({
      section: o.label,
      figure: `llama-bench, the same batches: turn ${last}, ${b(last)} (ratio: / turn 1, ${b(1)})`,
      parley: Number.NaN,
      peer: end,
      unit: "ms",
      ratio: end / one,
    });
  }
  return { rows, samples };
}
