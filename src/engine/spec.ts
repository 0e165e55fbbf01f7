/** Which engine to create, and with what: one variant per kind of engine. */
export type GpuChoice = "auto" | "cuda" | "vulkan" | "metal" | "off";

/** How a context computes attention: flash attention or the standard kernels. */
export type Attention = "flash" | "standard";

/** A small key-value memory the engine may keep findings in between runs (a file, for the CLI). */
export interface EngineMemory {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

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
  /** Where the built-in template `--template auto` chose is kept, per model file. */
  templateMemory?: EngineMemory;
  /**
   * Which llama.cpp binaries for the CPU passed node-llama-cpp's test on this machine (on Linux it
   * forks a process to try each prebuilt binary before every load: 0.2 s), so it runs once.
   */
  binaryTestMemory?: EngineMemory;
  debug: boolean;
  /**
   * A single request of known size (a one-shot run with a token limit and no context size set):
   * the context is made to hold its text and reply, not the default size. Clearing a context's
   * memory is a large part of a short run (0.33 s for 4,096 tokens of a 106M model here).
   */
  job?: {
    text: string;
    maxTokens: number;
    /** A context size to use instead when it holds the job (the size a saved state was made with). */
    orSize?: number;
  };
  /** Sequences of the context that can generate at once (1 for a chat). */
  sequences?: number;
  /**
   * Many turns in one context (the chat screen): each prompt is a few tokens read on top of a long
   * context. On a CPU flash attention reads those 1.7x slower at 1,500 tokens deep, though it reads
   * a whole prompt from scratch and generates near the start 8-11% faster: off for turns, llama.cpp's
   * choice otherwise.
   */
  turns?: boolean;
  /** The attention a saved context state was made with: it loads only into the same kind. */
  attention?: Attention;
  /** A smaller model's file with the same vocabulary, to draft tokens for this one (speculative decoding). */
  draftModel?: string;
  /** Prompt lookup: tokens proposed from the person's message, where the reply repeats it. */
  lookup?: boolean;
}

/** A model served by another program over the Chat Completion API (llama-server, vLLM, ollama, OpenAI, parley serve). */
export interface RemoteEngineSpec {
  kind: "remote";
  /** The API's base URL, e.g. http://gpu-box:8000/v1. */
  baseUrl: string;
  /** The model id the server knows. */
  model: string;
  /** The named endpoint this came from, for messages and records. */
  endpoint?: string;
  /** The environment variable that holds the key (named in messages, never its value). */
  apiKeyEnv?: string;
  /** The key itself, read from `apiKeyEnv` at run time; never stored. */
  apiKey?: string;
  /** The context size to assume when the server does not say. */
  contextSize?: number;
  /** The longest wait for an answer or the next bytes of one, in ms (default 60 s). */
  idleTimeoutMs?: number;
}

export type EngineSpec = LlamaEngineSpec | RemoteEngineSpec;
