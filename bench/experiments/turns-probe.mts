/**
 * One chat of 20 turns in one engine set up as the chat screen sets up its own: per turn, the prompt
 * tokens, the tokens llama.cpp evaluated (only what is new when the context is reused) and the time
 * to the first token.
 *
 *   npm run build && node --import tsx bench/experiments/turns-probe.mts [model.gguf]
 *
 * The default model is ../shared/models/bench-106m-q8_0.gguf relative to the repository.
 */
import { fileURLToPath } from "node:url";
import { greedy, loadEngine, type BenchMessage } from "../lib/engine.ts";

const model = process.argv[2] ?? fileURLToPath(new URL("../../../shared/models/bench-106m-q8_0.gguf", import.meta.url));
const engine = await loadEngine({ model, threads: 1, contextSize: 4096 });
const params = await greedy(32);
const ASKS = ["Tell me about the sea.", "And the boats?", "Who lives by the shore?", "What do they eat?", "Go on."];
const messages: BenchMessage[] = [{ role: "system", content: "You are a patient assistant." }];
for (let turn = 1; turn <= 20; turn++) {
  messages.push({ role: "user", content: ASKS[turn % ASKS.length]! });
  let reply = "";
  const before = engine.evaluatedTokens;
  const r = await engine.generate({ messages, params, onText: (t) => (reply += t) });
  const ttft = (r.firstTokenAt ?? r.endedAt) - r.startedAt;
  console.log(
    `turn ${turn}: prompt ${r.promptTokens} tokens, evaluated ${engine.evaluatedTokens - before} ` +
      `(${r.completionTokens} of them generated), first token after ${ttft.toFixed(0)} ms`,
  );
  messages.push({ role: "assistant", content: reply });
}
await engine.dispose();
