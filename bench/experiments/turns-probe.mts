import { greedy, loadEngine, type BenchMessage } from "../lib/engine.ts";
const model = process.argv[2] ?? "/work/shared/models/bench-106m-q8_0.gguf";
const engine = await loadEngine({ model, threads: 1, contextSize: 4096 });
const params = await greedy(32);
const ASKS = ["Tell me about the sea.", "And the boats?", "Who lives by the shore?", "What do they eat?", "Go on."];
const messages: BenchMessage[] = [{ role: "system", content: "You are a patient assistant." }];
for (let turn = 1; turn <= 20; turn++) {
  messages.push({ role: "user", content: ASKS[turn % ASKS.length]! });
  let reply = "";
  const before = engine.evaluatedTokens;
  const t0 = performance.now();
  const r = await engine.generate({ messages, params, onText: (t) => (reply += t) });
  const ttft = (r.firstTokenAt ?? r.endedAt) - r.startedAt;
  console.log(`turn ${turn}: prompt ${r.promptTokens} evaluated ${engine.evaluatedTokens - before} (incl. ${r.completionTokens} gen) ttft ${ttft.toFixed(0)} ms, pre ${(r.startedAt - t0).toFixed(0)} ms`);
  messages.push({ role: "assistant", content: reply });
}
await engine.dispose();
