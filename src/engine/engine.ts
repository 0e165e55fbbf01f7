/**
 * What a chat engine offers, whatever runs the model: messages, parameters and an abort signal
 * in; text, usage and a stop reason out. Exact token counting and saving the model state are
 * optional capabilities: a local engine has them, a remote one may not.
 */
import type { SamplingParams } from "../chat/params.js";
import type { Message, ResponseFormat } from "../chat/types.js";

export interface EngineInfo {
  /** A short name for output (`model` in JSON): the model file's base name, or a remote model id. */
  name: string;
  /** The chat template in use, e.g. "ChatML". */
  template: string;
  /** "CPU", "CUDA", "Vulkan", "Metal", or a remote engine's name. */
  backend: string;
  /** The context window in tokens. */
  contextSize: number;
  /** The model's training context, when known. */
  trainContextSize?: number;
  /** CPU threads, for a local engine: while generating, and while reading a prompt. */
  threads?: number;
  batchThreads?: number;
  /** The attention kernels of the context, when parley chose them (a saved state loads only into the same). */
  attention?: "flash" | "standard";
  /** The model names no chat template of its own: a generic one is used. */
  genericTemplate?: boolean;
  /** What went differently while loading, in plain sentences (a local build that did not load). */
  loadNotes?: string[];
}

export interface GenerateRequest {
  messages: readonly Message[];
  params: SamplingParams;
  responseFormat?: ResponseFormat;
  signal?: AbortSignal;
  /** Text as it is generated; `reasoning` when the template marks it as a thought segment. */
  onText: (text: string, kind: "content" | "reasoning") => void;
  /** The prompt's size in tokens, once known and before the first token. */
  onPrompt?: (tokens: number) => void;
}

export interface GenerateResult {
  stopReason: "stop" | "length" | "abort";
  /** With "length": the context had no room for more, before any token limit was reached. */
  contextFull?: boolean;
  promptTokens: number;
  completionTokens: number;
  /** performance.now() values. */
  startedAt: number;
  firstTokenAt: number | undefined;
  endedAt: number;
}

/** Exact prompt tokens, with the template applied (an engine that holds the tokenizer). */
export interface TokenCounting {
  countTokens(messages: readonly Message[]): number;
  /**
   * A lower bound above twice `contextSize`, found on part of the text, when the messages are
   * that far beyond the context; undefined otherwise. It refuses a hostile megabyte prompt in a
   * moment instead of tokenizing it whole.
   */
  atLeastTokens?(messages: readonly Message[], contextSize: number): number | undefined;
  /** The prompt tokens these messages produce, as `generate` would evaluate them. */
  promptTokens(messages: readonly Message[]): number[];
}

export interface SavedState {
  /** The tokens the context held, in order. */
  tokens: number[];
  bytes: number;
}

/** Saving and loading the evaluated context (an engine with a local state). */
export interface StateSaving {
  /** Writes the context state to `file` and returns the exact tokens it holds. */
  saveState(file: string): Promise<SavedState>;
  /**
   * Loads a state written by `saveState`. The caller must first check that the file is intact
   * and was made by the same model file and context size: a foreign or damaged state file can
   * abort the process. If loading fails, or the state holds other tokens than
   * `expectedTokens`, the context is left empty and the promise rejects.
   */
  restoreState(file: string, expectedTokens: readonly number[]): Promise<void>;
}

export interface ChatEngine {
  readonly info: EngineInfo;
  /** Generates the assistant reply that follows `messages` (a trailing assistant message is continued). */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  readonly tokens?: TokenCounting;
  readonly state?: StateSaving;
  /** Another engine on the same loaded model, on a free sequence (parallel requests); undefined when none is free. */
  fork?(): ChatEngine | undefined;
  dispose(): Promise<void>;
}
