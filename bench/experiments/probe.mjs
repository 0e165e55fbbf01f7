/**
 * One measured life of a node-llama-cpp process, phase by phase, printed as one JSON line on
 * stdout: import, getLlama (which on Linux tests a prebuilt binary in a child process), model
 * load, context, prompt processing, decode, and the moment the script is done (the parent
 * measures when the process actually exits). Plain JavaScript so that no loader colours the
 * import time. Used by the experiment drivers in this folder; it never imports parley.
 *
 *   node bench/experiments/probe.mjs --model m.gguf [--nlc <project dir whose node_modules to use>]
 *     [--threads 1] [--batch-threads N] [--decode-threads N] [--tokens 128] [--prompt-tokens 0]
 *     [--mode chat|raw] [--exit dispose|exit|none] [--batch-size N]
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    nlc: { type: "string", default: join(import.meta.dirname, "..", "..") },
    threads: { type: "string", default: "1" },
    "batch-threads": { type: "string" },
    "decode-threads": { type: "string" },
    tokens: { type: "string", default: "128" },
    "prompt-tokens": { type: "string", default: "0" },
    mode: { type: "string", default: "chat" },
    exit: { type: "string", default: "dispose" },
    "batch-size": { type: "string" },
  },
});
const t = {};
const mark = (name) => (t[name] = performance.now());
const threads = Number(values.threads);
const batchThreads = Number(values["batch-threads"] ?? threads);
const decodeThreads = Number(values["decode-threads"] ?? threads);
const split = batchThreads !== decodeThreads;

mark("start");
const nlc = await import(pathToFileURL(join(values.nlc, "node_modules/node-llama-cpp/dist/index.js")).href);
mark("imported");
// What parley loads: its own `parley doctor --build` build for this CPU, else the prebuilt binary.
const { installedBinaryOptions } = await import("../../dist/engine/llama/local-build.js");
const llama = await nlc.getLlama({
  gpu: false,
  ...installedBinaryOptions(),
  logLevel: nlc.LlamaLogLevel.error,
  maxThreads: split ? Math.max(batchThreads, decodeThreads) : threads,
});
mark("llama");
const model = await llama.loadModel({ modelPath: values.model, gpuLayers: 0 });
mark("model");
const contextOptions = {
  contextSize: 4096,
  threads: split ? { ideal: Math.max(batchThreads, decodeThreads), min: 1 } : threads,
};
if (values["batch-size"]) contextOptions.batchSize = Number(values["batch-size"]);
const context = await model.createContext(contextOptions);
mark("context");
const tokens = Number(values.tokens);
const promptTokens = Number(values["prompt-tokens"]);
const STORY = "The old keeper climbed the stairs of the lighthouse every night and lit the lamp for the boats. ";
let prompt = "Once upon a time";
if (promptTokens > 0) {
  const per = model.tokenize(STORY).length;
  prompt = STORY.repeat(Math.max(1, Math.round(promptTokens / per)));
}
let firstAt;
let count = 0;
if (split) llama.maxThreads = batchThreads;
const onFirst = () => {
  firstAt ??= performance.now();
  if (split) llama.maxThreads = decodeThreads;
};
const sequence = context.getSequence();
mark("generate");
let promptCount = 0;
if (values.mode === "raw") {
  // The engine alone: evaluate the prompt, then feed back the likeliest token, no chat layer.
  const input = model.tokenize(prompt, false);
  promptCount = input.length;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for await (const _token of sequence.evaluate(input, { temperature: 0 })) {
    onFirst();
    if (++count >= tokens) break;
  }
} else {
  const chat = new nlc.LlamaChat({ contextSequence: sequence });
  const history = [{ type: "user", text: prompt }];
  await chat.generateResponse(history, {
    maxTokens: tokens,
    temperature: 0,
    seed: 1,
    onToken: (ts) => {
      onFirst();
      count += ts.length;
    },
  });
  promptCount = sequence.contextTokens.length - count;
}
mark("generated");
const result = {
  importMs: t.imported - t.start,
  getLlamaMs: t.llama - t.imported,
  buildType: llama.buildType,
  loadModelMs: t.model - t.llama,
  contextMs: t.context - t.model,
  promptTokens: promptCount,
  ttftMs: (firstAt ?? t.generated) - t.generate,
  promptTps: (promptCount * 1000) / ((firstAt ?? t.generated) - t.generate),
  tokens: count,
  decodeTps: count > 1 ? ((count - 1) * 1000) / (t.generated - firstAt) : 0,
  sinceOriginMs: 0,
};
if (values.exit === "dispose") {
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}
mark("done");
result.disposeMs = t.done - t.generated;
result.doneAtEpochMs = performance.timeOrigin + t.done;
result.sinceOriginMs = t.done;
process.stdout.write(`${JSON.stringify(result)}\n`);
if (values.exit === "exit") process.exit(0);
