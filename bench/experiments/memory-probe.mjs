/**
 * Where a one-shot process's memory goes, step by step: RSS, the JavaScript heap and memory held
 * outside it (buffers), after each phase of loading a model through parley's own loader and
 * writing a few tokens. One JSON line per phase on stdout. Run from a built checkout:
 *
 *   node --expose-gc bench/experiments/memory-probe.mjs --model m.gguf [--context 4096] [--tokens 16]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    context: { type: "string", default: "4096" },
    tokens: { type: "string", default: "16" },
  },
});
const peak = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
const mb = (n) => Math.round(n / 1024 / 1024);
const show = (phase) => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  console.log(
    JSON.stringify({
      phase,
      rss: mb(m.rss),
      peak: Math.round(peak()),
      heap: mb(m.heapUsed),
      external: mb(m.external),
      arrayBuffers: mb(m.arrayBuffers),
    }),
  );
};
show("start");
const { loadLlamaEngine } = await import("../../dist/engine/llama/load.js");
show("parley's engine modules");
const { nodeLlamaCpp } = await import("../../dist/engine/llama/node-llama-cpp.js");
await nodeLlamaCpp();
show("node-llama-cpp imported");
const engine = await loadLlamaEngine({
  kind: "llama",
  model: values.model,
  gpu: "off",
  gpuLayers: 0,
  contextSize: Number(values.context),
  threads: 1,
  template: "auto",
  debug: false,
  turns: false,
});
show("model and context loaded");
const { DEFAULT_PARAMS } = await import("../../dist/chat/params.js");
const params = { ...DEFAULT_PARAMS, temperature: 0, seed: 1, maxTokens: Number(values.tokens) };
for await (const part of engine.generate({ messages: [{ role: "user", content: "Once upon a time" }], params })) {
  if (part.type === "finish") break;
}
show("reply written");
await engine.dispose();
show("disposed");
