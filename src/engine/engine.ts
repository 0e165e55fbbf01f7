/**
 * What a chat engine offers, whatever runs the model: messages, parameters and an abort signal
 * in; text, usage and a stop reason out. Exact token counting and saving the model state are
 * optional capabilities: a local engine has them, a remote one may not.
 */
import type { SamplingParams } from "../chat/params.js";
import type { Message, ResponseFormat, ToolSet } from "../chat/types.js";

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
  /** A remote model: the server's base URL and the variable that holds its key (never the key). */
  remote?: { url: string; apiKeyEnv?: string };
  /** What went differently while loading, in plain sentences (a local build that did not load). */
  loadNotes?: string[];
  /** The token predictor, when one is used: "draft model small.gguf" or "prompt lookup". */
  predictor?: string;
}

export interface GenerateRequest {
  messages: readonly Message[];
  params: SamplingParams;
  responseFormat?: ResponseFormat;
  /** The tools the reply may call. */
  tools?: ToolSet;
  /** Stops the reply; what was written is kept and the stream still ends in its `finish` part. */
  signal?: AbortSignal;
}

export interface GenerateResult {
  /** "tool_calls": the reply ended with calls of tools (given as `tool-call` parts). */
  stopReason: "stop" | "length" | "abort" | "tool_calls";
  /** With "length": the context had no room for more, before any token limit was reached. */
  contextFull?: boolean;
  promptTokens: number;
  /** Prompt tokens that were already in the context from an earlier request, and not read again. */
  cachedTokens?: number;
  completionTokens: number;
  /** The token counts are estimated (a remote server that sent no usage). */
  estimated?: boolean;
  /** performance.now() values. */
  startedAt: number;
  firstTokenAt: number | undefined;
  endedAt: number;
  /** With a token predictor: the tokens it proposed that the model checked, and those it accepted. */
  draft?: { tokens: number; accepted: number };
}

/**
 * What `generate` yields, in order: the prompt's size (once known, before the first token), the
 * reply's text and reasoning as they are written, warnings about settings the engine could not
 * honour, then exactly one `finish`. A failure before the end is thrown by the stream.
 */
export type EnginePart =
  | { type: "prompt"; tokens: number; cached?: number }
  | { type: "text"; text: string }
  | { type: "reasoning"; text: string }
  /**
   * A piece of a tool call: the first piece of a call (by `index`, from 0) has its `name` (and
   * `id`, when the engine has one), the next ones more of its `arguments` text.
   */
  | { type: "tool-call"; index: number; id?: string; name?: string; arguments?: string }
  | { type: "warning"; text: string }
  | { type: "finish"; result: GenerateResult };

/** A raw text completion (no chat template): `prompt` is continued as it is. */
export interface CompleteRequest {
  prompt: string;
  params: SamplingParams;
  signal?: AbortSignal;
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
  /**
   * Generates the assistant reply that follows `messages` (a trailing assistant message is
   * continued), as a stream of parts. A consumer that stops reading stops the reply.
   */
  generate(request: GenerateRequest): AsyncIterable<EnginePart>;
  /** Continues a raw text, without the chat template (an engine that can). */
  complete?(request: CompleteRequest): AsyncIterable<EnginePart>;
  /** How many of these messages' prompt tokens this engine's context already holds (an engine with a local state). */
  reusable?(messages: readonly Message[]): number;
  readonly tokens?: TokenCounting;
  readonly state?: StateSaving;
  /** Another engine on the same loaded model, on a free sequence (parallel requests); undefined when none is free. */
  fork?(): ChatEngine | undefined;
  dispose(): Promise<void>;
}
