/**
 * Multi-turn: time to first token at turns 1, 10 and 20 of one chat in one engine, the context
 * reused from turn to turn (only the new user message and the template around it are read).
 */
import { median } from "../stats.ts";
import { greedy, loadEngine, type BenchMessage } from "../lib/engine.ts";
import type { Row } from "../lib/table.ts";

export interface TurnsOptions {
  model: string;
  label: string;
  runs: number;
  /** Undefined: parley's defaults, as the chat screen runs. */
  threads: number | undefined;
  turns: number;
  log: (line: string) => void;
}

const ASKS = ["Tell me about the sea.", "And the boats?", "Who lives by the shore?", "What do they eat?", "Go on."];

export async function runTurns(o: TurnsOptions): Promise<{ rows: Row[]; samples: number[][] }> {
  const samples: number[][] = [];
  const params = await greedy(32);
  for (let i = 0; i < o.runs; i++) {
    const engine = await loadEngine({ model: o.model, threads: o.threads, contextSize: 4096 });
    try {
      const messages: BenchMessage[] = [{ role: "system", content: "You are a patient assistant." }];
      const ttft: number[] = [];
      for (let turn = 1; turn <= o.turns; turn++) {
        messages.push({ role: "user", content: ASKS[turn % ASKS.length]! });
        let reply = "";
        const r = await engine.generate({ messages, params, onText: (t) => (reply += t) });
        ttft.push((r.firstTokenAt ?? r.endedAt) - r.startedAt);
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
  return {
    rows: [1, 10, 20]
      .filter((t) => t <= o.turns)
      .map((t) => ({
        section: o.label,
        figure: `multi-turn time to first token, turn ${t} (ratio: / turn 1)`,
        parley: at(t),
        peer: undefined,
        unit: "ms",
        ratio: at(t) / first,
        ...(t === 20 ? { target: "<= 1.2x" } : {}),
      })),
    samples,
  };
}
