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
/**
 * RSS by kind of mapping, in MB: glibc's main heap, its per-thread arenas (64 MB-aligned anonymous
 * mappings), other anonymous memory (V8's heap, llama.cpp's large buffers), the node binary, files.
 */
const kinds = () => {
  const out = { mallocMain: 0, mallocArenas: 0, anon: 0, node: 0, files: 0 };
  let key = "anon";
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const m = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const name = m[2];
      if (name === "[heap]") key = "mallocMain";
      else if (name === "") key = BigInt(`0x${m[1]}`) % 0x4000000n === 0n ? "mallocArenas" : "anon";
      else if (name === process.execPath || name.endsWith("/node")) key = "node";
      else key = "files";
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss) out[key] += Number(rss[1]) / 1024;
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v)]));
};
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
      ...kinds(),
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
