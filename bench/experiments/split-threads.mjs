/**
 * Checks that node-llama-cpp can run a prompt on one thread count and decode on another through
 * its public API: the context wants B threads, `llama.maxThreads` caps every batch's allocation,
 * and it is set to B before each request and to D at the request's first token. Prints the
 * thread count llama.cpp held at each token of two turns (the first token's figure is the
 * prompt batch's). Exits 1 if the split did not happen.
 *
 *   node bench/experiments/split-threads.mjs [model.gguf] [B=2] [D=1]
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = join(import.meta.dirname, "..", "..");
const modelPath = process.argv[2] ?? join(root, "..", "shared", "models", "stories260K.gguf");
const batch = Number(process.argv[3] ?? 2);
const decode = Number(process.argv[4] ?? 1);
const nlc = await import(pathToFileURL(join(root, "node_modules/node-llama-cpp/dist/index.js")).href);
const llama = await nlc.getLlama({
  gpu: false,
  build: "never",
  skipDownload: true,
  progressLogs: false,
  logLevel: nlc.LlamaLogLevel.error,
  maxThreads: batch,
});
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 1024, threads: { ideal: batch, min: 1 } });
const chat = new nlc.LlamaChat({ contextSequence: context.getSequence() });
const seen = [];
const text = "Once upon a time there was a little girl who liked to play in the park with her dog. ".repeat(3);
for (const turn of [1, 2]) {
  llama.maxThreads = batch;
  let first = true;
  const threads = [];
  await chat.generateResponse([{ type: "user", text }], {
    maxTokens: 6,
    temperature: 0,
    onToken: () => {
      threads.push(context._ctx.getThreads());
      if (first) {
        first = false;
        llama.maxThreads = decode;
      }
    },
  });
  seen.push({ turn, threads });
}
console.log(JSON.stringify(seen));
await context.dispose();
await model.dispose();
await llama.dispose();
const ok = seen.every((s) => s.threads[0] === batch && s.threads.slice(1).every((t) => t === decode));
process.exit(ok ? 0 : 1);
