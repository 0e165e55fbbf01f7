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
  dispose(): Promise<void>;
}
