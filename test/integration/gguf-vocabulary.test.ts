/**
 * parley's one-file copy of node-llama-cpp reads past a model's vocabulary arrays instead of into
 * them (scripts/bundle-node-llama-cpp.mjs): the metadata it returns must otherwise be the same as
 * node-llama-cpp's own, the arrays must keep their length, and the model must load and answer.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { fixture } from "../helpers/fixtures.ts";

const BUNDLE = fileURLToPath(new URL("../../dist/vendor/node-llama-cpp.js", import.meta.url));
const VOCAB_KEYS = ["tokens", "scores", "token_type", "merges"] as const;

type Metadata = { tokenizer: { ggml: Record<string, unknown> } } & Record<string, unknown>;
type Reader = (path: string, options: object) => Promise<{ metadata: Metadata; tensorInfo?: unknown[] }>;

describe("the vocabulary of a GGUF file in parley's copy of node-llama-cpp", () => {
  it("keeps every other entry as node-llama-cpp reads it, and the vocabulary's length", async () => {
    const bundled = (await import(BUNDLE)) as { readGgufFileInfo: Reader };
    const original = (await import("node-llama-cpp")) as unknown as { readGgufFileInfo: Reader };
    for (const name of ["script", "llama3"] as const) {
      const path = fixture(name);
      const mine = await bundled.readGgufFileInfo(path, { sourceType: "filesystem" });
      const theirs = await original.readGgufFileInfo(path, { sourceType: "filesystem" });
      const ggml = mine.metadata.tokenizer.ggml;
      const full = theirs.metadata.tokenizer.ggml;
      const tokens = full.tokens as string[];
      assert.ok(tokens.length > 0);
      for (const key of VOCAB_KEYS) {
        if (full[key] === undefined) continue;
        const hollow = ggml[key] as unknown[];
        assert.equal(hollow.length, (full[key] as unknown[]).length, `${name}: ${key} keeps its length`);
        assert.equal(hollow[0], undefined, `${name}: ${key} is read past, not into`);
      }
      const strip = (m: Metadata) => ({
        ...m,
        tokenizer: {
          ...m.tokenizer,
          ggml: Object.fromEntries(Object.entries(m.tokenizer.ggml).filter(([k]) => !VOCAB_KEYS.includes(k as never))),
        },
      });
      assert.deepEqual(strip(mine.metadata), strip(theirs.metadata), `${name}: the rest of the metadata`);
      assert.deepEqual(mine.tensorInfo, theirs.tensorInfo, `${name}: the tensors that follow the metadata`);
    }
  });

  it("loads the model and counts its tokens from the hollow arrays", async () => {
    const bundled = (await import(BUNDLE)) as {
      getLlama: (o: object) => Promise<{
        loadModel: (o: object) => Promise<{
          iterateAllTokens: () => Iterable<number>;
          fileInfo: { metadata: Metadata };
          tokenize: (t: string) => number[];
          detokenize: (t: number[]) => string;
          dispose: () => Promise<void>;
        }>;
        dispose: () => Promise<void>;
      }>;
    };
    const llama = await bundled.getLlama({ gpu: false, maxThreads: 1, logLevel: "error", logger: () => undefined });
    try {
      const model = await llama.loadModel({ modelPath: fixture("script") });
      const all = [...model.iterateAllTokens()];
      assert.equal(all.length, (model.fileInfo.metadata.tokenizer.ggml.tokens as unknown[]).length);
      assert.equal(model.detokenize(model.tokenize("Hello from parley")), "Hello from parley");
      await model.dispose();
    } finally {
      await llama.dispose();
    }
  });
});
