/** What a chat engine offers; `llama.ts` implements it over node-llama-cpp. */
import type { SamplingParams } from "../chat/params.js";
import type { Message, ResponseFormat } from "../chat/types.js";

export type GpuChoice = "auto" | "cuda" | "vulkan" | "metal" | "off";

export interface EngineOptions {
  modelPath: string;
  gpu: GpuChoice;
  gpuLayers: number | "auto" | "max";
  contextSize: number | "auto" | undefined;
  threads: number;
  template: string;
  debug: boolean;
}

export interface ModelInfo {
  /** A short name for output (`model` in JSON): the file's base name. */
  name: string;
  path: string;
  /** The chat template in use, e.g. "ChatML". */
  template: string;
  /** "CPU", "CUDA", "Vulkan" or "Metal". */
  backend: string;
  contextSize: number;
  trainContextSize: number;
  threads: number;
}

export interface GenerateRequest {
  messages: readonly Message[];
  params: SamplingParams;
  responseFormat?: ResponseFormat;
  signal?: AbortSignal;
  /** Text as it is generated; `reasoning` when the template marks it as a thought segment. */
  onText: (text: string, kind: "content" | "reasoning") => void;
}

export interface GenerateResult {
  stopReason: "stop" | "length" | "abort";
  promptTokens: number;
  completionTokens: number;
  /** performance.now() values. */
  startedAt: number;
  firstTokenAt: number | undefined;
  endedAt: number;
}

export interface ChatEngine {
  readonly info: ModelInfo;
  /** Generates the assistant reply that follows `messages`. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** The number of prompt tokens these messages take, with the template applied. */
  countPromptTokens(messages: readonly Message[]): number;
  /** The prompt tokens these messages produce, as `generate` would evaluate them (for engines with a state). */
  promptTokens?(messages: readonly Message[]): number[];
  /** Writes the context state to `file` and returns the exact tokens it holds (for engines with a state). */
  saveState?(file: string): Promise<SavedState>;
  /**
   * Loads a state written by `saveState` into the context. The caller must first check that the
   * file is intact and was made by the same model file and context size: a foreign or damaged
   * state file can abort the process. If loading fails, or the state holds other tokens than
   * `expectedTokens`, the context is left empty and the promise rejects.
   */
  restoreState?(file: string, expectedTokens: readonly number[]): Promise<void>;
  dispose(): Promise<void>;
}

export interface SavedState {
  /** The tokens the context held, in order. */
  tokens: number[];
  bytes: number;
}
