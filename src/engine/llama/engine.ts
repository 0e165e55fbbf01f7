/** The ChatEngine over node-llama-cpp. Imported lazily: loading node-llama-cpp costs ~300 ms. */
import { basename } from "node:path";
import {
  getLlama,
  LlamaChat,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatHistoryItem,
  type Llama,
  type LlamaContext,
  type LlamaGrammar,
  type LlamaModel,
  type LLamaChatGenerateResponseOptions,
} from "node-llama-cpp";
import type { SamplingParams } from "../chat/params.js";
import type { Message, ResponseFormat } from "../chat/types.js";
import { ContextOverflowError, ModelError, ParleyError, RuntimeError, UsageError } from "../errors.js";
import type { ChatEngine, EngineOptions, GenerateRequest, GenerateResult, ModelInfo, SavedState } from "./engine.js";
import { TEMPLATES, isTemplateName } from "./templates.js";

/** Default context size when none is given: the model's own, capped to keep memory modest. */
export const DEFAULT_CONTEXT_CAP = 8192;

const BACKENDS: Record<string, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal" };

/** Keeps llama.cpp's recent warnings and errors, to explain a failure in one line. */
class LogTail {
  readonly lines: string[] = [];
  constructor(private readonly echo: boolean) {}
  readonly log = (level: LlamaLogLevel, message: string): void => {
    const text = message.trim();
    if (this.echo) process.stderr.write(`[llama.cpp ${level}] ${text}\n`);
    if (!text || (level !== LlamaLogLevel.error && level !== LlamaLogLevel.warn && level !== LlamaLogLevel.fatal))
      return;
    this.lines.push(text);
    if (this.lines.length > 20) this.lines.shift();
  };
  /** The most telling recent line, e.g. "unknown model architecture: 'foo'". */
  reason(): string | undefined {
    const line =
      this.lines.find((l) => /error loading model:/.test(l)) ??
      this.lines.filter((l) => /error|invalid|unknown|corrupt/i.test(l)).at(-1);
    return line?.replace(/^.*error loading model:\s*/, "").replace(/^[\w]+:\s*/, "");
  }

  /** llama.cpp's log lines reach JavaScript after the failure itself: wait for them, briefly. */
  async settle(): Promise<void> {
    for (let waited = 0; waited < 250 && !this.lines.some((l) => /error loading model:/.test(l)); waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function toHistory(messages: readonly Message[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    switch (m.role) {
      case "system":
        return { type: "system", text: m.content };
      case "user":
        return { type: "user", text: m.content };
      case "assistant":
        return { type: "model", response: [m.content] };
    }
  });
  // A conversation that ends with an assistant message is continued from it (a prefill).
  if (messages.at(-1)?.role !== "assistant") history.push({ type: "model", response: [] });
  return history;
}

function repeatPenalty(params: SamplingParams): LLamaChatGenerateResponseOptions["repeatPenalty"] {
  if (params.repeatPenalty === 1 && params.presencePenalty === 0 && params.frequencyPenalty === 0) return false;
  return {
    penalty: params.repeatPenalty,
    presencePenalty: params.presencePenalty,
    frequencyPenalty: params.frequencyPenalty,
    lastTokens: 64,
  };
}

export class LlamaEngine implements ChatEngine {
  /** Replaced (with a fresh sequence) only when loading a saved state fails. */
  private chat: LlamaChat;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(
    readonly info: ModelInfo,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    chatWrapper: LlamaChat["chatWrapper"],
  ) {
    this.chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper });
  }

  countPromptTokens(messages: readonly Message[]): number {
    return this.historyTokens(toHistory(messages)).length;
  }

  /** The tokens a chat history becomes with the template applied. */
  private historyTokens(history: ChatHistoryItem[]): number[] {
    const state = this.chat.chatWrapper.generateContextState({ chatHistory: history });
    return [...state.contextText.tokenize(this.model.tokenizer)];
  }

  promptTokens(messages: readonly Message[]): number[] {
    return this.historyTokens(toHistory(messages));
  }

  /** Input tokens the context has evaluated so far (prompt tokens not reused from its state). */
  get evaluatedTokens(): number {
    return this.chat.sequence.tokenMeter.usedInputTokens;
  }

  async saveState(file: string): Promise<SavedState> {
    const sequence = this.chat.sequence;
    const tokens: number[] = [...sequence.contextTokens];
    const { fileSize } = await sequence.saveStateToFile(file);
    const after = sequence.contextTokens;
    if (after.length !== tokens.length || after.some((t, i) => t !== tokens[i]))
      throw new RuntimeError("the context changed while its state was being saved");
    return { tokens, bytes: fileSize };
  }

  async restoreState(file: string, expectedTokens: readonly number[]): Promise<void> {
    const sequence = this.chat.sequence;
    if (expectedTokens.length > sequence.contextSize)
      throw new RuntimeError(`the saved state holds more tokens than the context (${sequence.contextSize})`);
    try {
      await sequence.loadStateFromFile(file, { acceptRisk: true });
      const got = sequence.contextTokens;
      if (got.length !== expectedTokens.length || got.some((t, i) => t !== expectedTokens[i]))
        throw new RuntimeError("the saved state holds other tokens than its description");
    } catch (err) {
      await this.resetSequence();
      if (err instanceof ParleyError) throw err;
      throw new RuntimeError(`cannot load the saved state: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Drops whatever the sequence holds (a half-loaded state included) and starts a new one. */
  private async resetSequence(): Promise<void> {
    const { sequence, chatWrapper } = this.chat;
    this.chat.dispose();
    await sequence.dispose();
    this.chat = new LlamaChat({ contextSequence: this.context.getSequence(), chatWrapper });
  }

  private grammarFor(format: ResponseFormat | undefined): Promise<LlamaGrammar> | undefined {
    if (!format || format.type === "text") return undefined;
    const key = format.type === "json_object" ? "json" : JSON.stringify(format.schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar =
        format.type === "json_object"
          ? this.llama.getGrammarFor("json")
          : // The schema was checked to be an object; node-llama-cpp validates what it supports.
            this.llama.createGrammarForJsonSchema(format.schema as never).catch((err: unknown) => {
              throw new UsageError(`the JSON schema cannot be used: ${(err as Error).message}`);
            });
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const { params } = request;
    const history = toHistory(request.messages);
    const promptTokens = this.historyTokens(history).length;
    const room = this.info.contextSize - promptTokens;
    if (room <= 0) {
      throw new ContextOverflowError(
        `the prompt takes ${promptTokens} tokens but the context holds ${this.info.contextSize}: shorten it or raise --context-size`,
      );
    }
    const limit = Math.min(params.maxTokens ?? Number.POSITIVE_INFINITY, room);
    const grammar = await this.grammarFor(request.responseFormat);
    let completionTokens = 0;
    let firstTokenAt: number | undefined;
    const startedAt = performance.now();
    const options: LLamaChatGenerateResponseOptions = {
      maxTokens: limit,
      temperature: params.temperature,
      topK: params.topK,
      topP: params.topP,
      minP: params.minP,
      repeatPenalty: repeatPenalty(params),
      customStopTriggers: params.stop,
      stopOnAbortSignal: true,
      onToken: (tokens) => {
        firstTokenAt ??= performance.now();
        completionTokens += tokens.length;
      },
      onResponseChunk: (chunk) => {
        if (!chunk.text) return;
        request.onText(
          chunk.text,
          chunk.type === "segment" && chunk.segmentType === "thought" ? "reasoning" : "content",
        );
      },
    };
    if (params.seed !== undefined) options.seed = params.seed;
    if (request.signal) options.signal = request.signal;
    if (grammar) options.grammar = grammar;
    let stopReason: GenerateResult["stopReason"];
    try {
      const response = await this.chat.generateResponse(history, options);
      const reason = response.metadata.stopReason;
      stopReason = reason === "maxTokens" ? "length" : reason === "abort" ? "abort" : "stop";
    } catch (err) {
      if (request.signal?.aborted) stopReason = "abort";
      else throw new RuntimeError(`generation failed: ${(err as Error).message}`, { cause: err });
    }
    return { stopReason, promptTokens, completionTokens, startedAt, firstTokenAt, endedAt: performance.now() };
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

async function getBackend(options: EngineOptions, logs: LogTail): Promise<Llama> {
  const gpu = options.gpu === "off" ? false : options.gpu;
  let llama: Llama;
  try {
    llama = await getLlama({
      gpu,
      maxThreads: options.threads,
      build: "never",
      skipDownload: true,
      progressLogs: false,
      logLevel: options.debug ? LlamaLogLevel.debug : LlamaLogLevel.warn,
      logger: logs.log,
    });
  } catch (err) {
    const what = gpu === "auto" ? "any backend" : `the ${options.gpu} backend`;
    throw new ModelError(`cannot start ${what} of llama.cpp: ${(err as Error).message.split("\n")[0] ?? ""}`, {
      cause: err,
    });
  }
  if (gpu !== false && gpu !== "auto" && llama.gpu !== gpu) {
    await llama.dispose();
    throw new ModelError(`the ${options.gpu} backend is not available on this machine (try --gpu auto or --gpu off)`);
  }
  return llama;
}

/** Loads the model and its context; `onProgress` gets values from 0 to 1. */
export async function loadLlamaEngine(
  options: EngineOptions,
  onProgress?: (progress: number) => void,
): Promise<LlamaEngine> {
  if (!isTemplateName(options.template)) throw new UsageError(`unknown chat template "${options.template}"`);
  const logs = new LogTail(options.debug);
  const llama = await getBackend(options, logs);
  const fail = async (what: string, err: unknown): Promise<ModelError> => {
    await logs.settle();
    const reason = logs.reason() ?? (err as Error).message;
    return new ModelError(`${what} ${options.modelPath}: ${reason}`, { cause: err });
  };
  let model: LlamaModel;
  try {
    model = await llama.loadModel({
      modelPath: options.modelPath,
      gpuLayers: options.gpuLayers,
      ...(onProgress ? { onLoadProgress: onProgress } : {}),
    });
  } catch (err) {
    await llama.dispose();
    throw await fail("cannot load model", err);
  }
  const contextSize = options.contextSize ?? Math.min(model.trainContextSize, DEFAULT_CONTEXT_CAP);
  let context: LlamaContext;
  try {
    context = await model.createContext({ contextSize, threads: options.threads });
  } catch (err) {
    await model.dispose();
    await llama.dispose();
    throw await fail("cannot create a context for", err);
  }
  const type = TEMPLATES[options.template];
  if (type === "jinjaTemplate" && typeof model.fileInfo.metadata.tokenizer?.chat_template !== "string") {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
    throw new UsageError(`--template jinja: the model has no chat template of its own`);
  }
  const wrapper = resolveChatWrapper(model, { type, warningLogs: false });
  const info: ModelInfo = {
    name: basename(options.modelPath),
    path: options.modelPath,
    template: wrapper.wrapperName,
    backend: llama.gpu === false ? "CPU" : (BACKENDS[llama.gpu] ?? llama.gpu),
    contextSize: context.contextSize,
    trainContextSize: model.trainContextSize,
    threads: options.threads,
  };
  return new LlamaEngine(info, llama, model, context, wrapper);
}
