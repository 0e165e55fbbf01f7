/**
 * The parley engine in this process, loaded from the build (dist/), for the figures that need one
 * engine across several requests (multi-turn, resume, a warm prompt). This is the one file that
 * names dist's engine modules: when they move, only this file changes. With PARLEY_BENCH_BIN it is
 * that copy's engine, as for every other figure.
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BIN } from "./parley.ts";

const DIST = process.env.PARLEY_BENCH_BIN
  ? join(dirname(BIN), "..", "dist")
  : fileURLToPath(new URL("../../dist", import.meta.url));
const dist = (p: string) => pathToFileURL(join(DIST, p)).href;

export interface BenchMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface BenchResult {
  promptTokens: number;
  completionTokens: number;
  startedAt: number;
  firstTokenAt: number | undefined;
  endedAt: number;
}

export interface BenchEngine {
  info: { template: string; contextSize: number };
  evaluatedTokens: number;
  generate(r: { messages: readonly BenchMessage[]; params: object; onText: (t: string) => void }): Promise<BenchResult>;
  countTokens(messages: readonly BenchMessage[]): number;
  dispose(): Promise<void>;
}

/**
 * An engine set up as the chat screen sets up its own (`turns`: many prompts in one context), or
 * with `oneShot` as a single request sets up its own.
 */
export async function loadEngine(o: {
  model: string;
  /** Undefined: parley's own choice, as a user gets it (decode threads, and prompts on the free cores). */
  threads: number | undefined;
  contextSize: number;
  oneShot?: boolean;
}): Promise<BenchEngine> {
  const { loadLlamaEngine } = (await import(dist("engine/llama/load.js"))) as {
    loadLlamaEngine: (options: object) => Promise<StreamingEngine>;
  };
  const engine = await loadLlamaEngine({
    kind: "llama",
    model: o.model,
    gpu: "off",
    gpuLayers: 0,
    contextSize: o.contextSize,
    threads: o.threads,
    template: "auto",
    debug: false,
    turns: !o.oneShot,
  });
  return {
    get info() {
      return engine.info;
    },
    get evaluatedTokens() {
      return engine.evaluatedTokens;
    },
    countTokens: (messages) => engine.countTokens(messages),
    dispose: () => engine.dispose(),
    // The engine streams parts; the figures need its text as it comes and the result at the end.
    async generate(r) {
      for await (const part of engine.generate({ messages: r.messages, params: r.params })) {
        if (part.type === "text") r.onText(part.text ?? "");
        else if (part.type === "finish" && part.result) return part.result;
      }
      throw new Error("the engine's stream ended without a result");
    },
  };
}

/** The engine as dist/ exports it: a stream of parts, ending in one `finish`. */
interface StreamingEngine extends Omit<BenchEngine, "generate"> {
  generate(r: {
    messages: readonly BenchMessage[];
    params: object;
  }): AsyncIterable<{ type: string; text?: string; result?: BenchResult }>;
}

/** Greedy sampling parameters for `maxTokens` tokens. */
export async function greedy(maxTokens: number): Promise<object> {
  const { DEFAULT_PARAMS } = (await import(dist("chat/params.js"))) as { DEFAULT_PARAMS: object };
  return { ...DEFAULT_PARAMS, temperature: 0, seed: 1, maxTokens };
}

export interface SnapshotApi {
  modelIdentity(path: string): unknown;
  saveSnapshot(
    engine: BenchEngine,
    o: object,
  ): Promise<{ outcome: string; error?: string; tokens: number; bytes: number }>;
  restoreSnapshot(engine: BenchEngine, o: object): Promise<{ outcome: string; reusedTokens: number }>;
}

export async function snapshotApi(): Promise<SnapshotApi> {
  const snap = (await import(dist("core/snapshot.js"))) as Pick<SnapshotApi, "saveSnapshot" | "restoreSnapshot">;
  const writer = (await import(dist("store/conversation-writer.js"))) as Pick<SnapshotApi, "modelIdentity">;
  return { ...snap, modelIdentity: writer.modelIdentity };
}
