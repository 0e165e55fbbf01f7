/** Which engine to create, and with what: one variant per kind of engine. */
export type GpuChoice = "auto" | "cuda" | "vulkan" | "metal" | "off";

/** A GGUF file run in this process by node-llama-cpp. */
export interface LlamaEngineSpec {
  kind: "llama";
  /** The model file's absolute path. */
  model: string;
  gpu: GpuChoice;
  gpuLayers: number | "auto" | "max";
  /** Undefined: the model's training context, at most DEFAULT_CONTEXT_CAP. */
  contextSize: number | "auto" | undefined;
  /** Threads while generating, token by token. Undefined: parley's own choice for this machine. */
  threads: number | undefined;
  /** Threads while reading a prompt. Undefined: as many as for generating. */
  batchThreads?: number | undefined;
  template: string;
  debug: boolean;
  /** Sequences of the context that can generate at once (1 for a chat). */
  sequences?: number;
}

export type EngineSpec = LlamaEngineSpec;
