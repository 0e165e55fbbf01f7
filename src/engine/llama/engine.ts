/**
 * The ChatEngine over node-llama-cpp: one engine per sequence of a context. The model and the
 * context are shared by every engine forked from the first, so parallel requests (a server)
 * each get a sequence of their own; the last engine disposed frees them.
 */
import type {
  ChatHistoryItem,
  ChatModelFunctions,
  Llama,
  LlamaContext,
  LlamaGrammar,
  LlamaModel,
  LLamaChatGenerateResponseOptions,
} from "node-llama-cpp";
import type { Message, ResponseFormat } from "../../chat/types.js";
import { ContextOverflowError, ParleyError, RuntimeError, UsageError } from "../../errors.js";
import type { SamplingParams } from "../../chat/params.js";
import { partStream, type PushPart } from "../stream.js";
import type { DecodeThreads } from "../threads.js";
import type {
  ChatEngine,
  CompleteRequest,
  EngineInfo,
  EnginePart,
  GenerateRequest,
  GenerateResult,
  SavedState,
  StateSaving,
  TokenCounting,
} from "../engine.js";
import { countedInPart, repeatPenalty, toHistory } from "./history.js";
import { nodeLlamaCpp } from "./node-llama-cpp.js";
import { jsonSchemaGrammar } from "./json-grammar.js";
import { CallForcing, llamaFunctions, ToolCallParts } from "./tools.js";
import { countPredictions, type Predictors } from "./predictor.js";

const { LlamaChat, LlamaCompletion, LlamaText } = await nodeLlamaCpp();
type LlamaChat = InstanceType<typeof LlamaChat>;

/** What every sequence of one loaded model shares. */
export class LlamaHost {
  private users = 0;
  readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(
    readonly info: EngineInfo,
    readonly llama: Llama,
    readonly model: LlamaModel,
    readonly context: LlamaContext,
    readonly chatWrapper: LlamaChat["chatWrapper"],
    /** Threads for reading a prompt, and for generating token by token. */
    readonly threads: { batch: number; decode: number },
    /** When parley chose the decode count itself: what keeps it right while generating. */
    private readonly decodeThreads?: DecodeThreads,
    /** The token predictor each new sequence gets, if any. */
    readonly predictors?: Predictors,
  ) {}

  /** node-llama-cpp caps every evaluation by the backend's thread limit: set it for what comes next. */
  useThreads(phase: "batch" | "decode"): void {
    if (phase === "batch") this.decodeThreads?.reading();
    const wanted = phase === "decode" && this.decodeThreads ? this.decodeThreads.begin() : this.threads[phase];
    this.setThreads(wanted);
  }

  /** `count` tokens more were generated: the decode count may change for the next ones. */
  decoded(count: number): void {
    if (this.decodeThreads) this.setThreads(this.decodeThreads.tokens(count));
  }

  /** A reply is over. */
  idle(): void {
    this.decodeThreads?.end();
  }

  private setThreads(wanted: number): void {
    if (this.llama.maxThreads !== wanted) this.llama.maxThreads = wanted;
  }

  /** An engine on a free sequence, or undefined when every sequence is in use. */
  open(): LlamaEngine | undefined {
    if (this.context.sequencesLeft === 0) return undefined;
    this.users++;
    return new LlamaEngine(this);
  }

  async release(): Promise<void> {
    if (--this.users > 0) return;
    await this.context.dispose();
    await this.predictors?.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  grammarFor(format: ResponseFormat | undefined): Promise<LlamaGrammar> | undefined {
    if (!format || format.type === "text") return undefined;
    const key = format.type === "json_object" ? "json" : JSON.stringify(format.schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar =
        format.type === "json_object"
          ? this.llama.getGrammarFor("json")
          : // The schema was checked to be an object; node-llama-cpp validates what it supports.
            jsonSchemaGrammar(this.llama, format.schema).catch((err: unknown) => {
              throw new UsageError(`the JSON schema cannot be used: ${(err as Error).message}`);
            });
      this.grammars.set(key, grammar);
    }
    return grammar;
  }
}

/** How a generation ended, in the engine's words; a failure after an abort is an abort. */
async function stopReasonOf(
  generate: () => Promise<string>,
  signal: AbortSignal,
): Promise<GenerateResult["stopReason"]> {
  try {
    const reason = await generate();
    if (reason === "functionCalls") return "tool_calls";
    return reason === "maxTokens" ? "length" : reason === "abort" ? "abort" : "stop";
  } catch (err) {
    if (signal.aborted) return "abort";
    throw new RuntimeError(`generation failed: ${(err as Error).message}`, { cause: err });
  }
}

/** How many tokens at the start of `tokens` the context already holds, in the same order. */
function sharedPrefix(held: readonly number[], tokens: readonly number[]): number {
  const n = Math.min(held.length, tokens.length);
  let i = 0;
  while (i < n && held[i] === tokens[i]) i++;
  return i;
}

export class LlamaEngine implements ChatEngine, TokenCounting, StateSaving {
  /** Replaced (with a fresh sequence) only when loading a saved state fails. */
  private chat: LlamaChat;
  private disposed = false;
  readonly tokens: TokenCounting = this;
  readonly state: StateSaving = this;
  /** Makes a reply start with a tool call when the request says one must be made. */
  private readonly forcing = new CallForcing((value) => LlamaText(value));

  constructor(private readonly host: LlamaHost) {
    this.chat = new LlamaChat({
      contextSequence: host.context.getSequence(host.predictors?.sequenceOptions()),
      chatWrapper: this.forcing.wrap(host.chatWrapper),
    });
  }

  get info(): EngineInfo {
    return this.host.info;
  }

  fork(): LlamaEngine | undefined {
    return this.host.open();
  }

  countTokens(messages: readonly Message[]): number {
    return this.historyTokens(toHistory(messages)).length;
  }

  atLeastTokens(messages: readonly Message[], contextSize: number): number | undefined {
    const part = countedInPart(messages, contextSize);
    if (!part) return undefined;
    // Each cut message may end in a token the whole text would not have: one less per cut.
    const atLeast = this.historyTokens(toHistory(part.messages)).length - part.cut;
    return atLeast > 2 * contextSize ? atLeast : undefined;
  }

  promptTokens(messages: readonly Message[]): number[] {
    return this.historyTokens(toHistory(messages));
  }

  /** The tokens a chat history becomes with the template applied. */
  private historyTokens(history: ChatHistoryItem[], functions?: ChatModelFunctions): number[] {
    const state = this.chat.chatWrapper.generateContextState({
      chatHistory: history,
      ...(functions ? { availableFunctions: functions, documentFunctionParams: true } : {}),
    });
    return [...state.contextText.tokenize(this.host.model.tokenizer)];
  }

  /** Input tokens this sequence has evaluated so far (prompt tokens not reused from its state). */
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
    this.chat = new LlamaChat({
      contextSequence: this.host.context.getSequence(this.host.predictors?.sequenceOptions()),
      chatWrapper,
    });
  }

  /** How many of these messages' prompt tokens the sequence already holds: they are not read again. */
  reusable(messages: readonly Message[]): number {
    return sharedPrefix(this.chat.sequence.contextTokens, this.promptTokens(messages));
  }

  generate(request: GenerateRequest): AsyncIterable<EnginePart> {
    return partStream(request.signal, (push, signal) => this.run(request, push, signal));
  }

  complete(request: CompleteRequest): AsyncIterable<EnginePart> {
    return partStream(request.signal, (push, signal) => this.runCompletion(request, push, signal));
  }

  private async run(request: GenerateRequest, push: PushPart, signal: AbortSignal): Promise<GenerateResult> {
    const { params } = request;
    const history = toHistory(request.messages);
    const tools = llamaFunctions(request.tools);
    const tokens = this.historyTokens(history, tools.functions);
    const promptTokens = tokens.length;
    const contextSize = this.info.contextSize;
    const room = contextSize - promptTokens;
    if (room <= 0) {
      throw new ContextOverflowError(
        `the prompt takes ${promptTokens} tokens but the context holds ${contextSize}: shorten it or raise --context-size`,
      );
    }
    // At least the last prompt token is read again, to give the first token.
    const cachedTokens = Math.min(sharedPrefix(this.chat.sequence.contextTokens, tokens), promptTokens - 1);
    push({ type: "prompt", tokens: promptTokens, cached: cachedTokens });
    const limit = Math.min(params.maxTokens ?? Number.POSITIVE_INFINITY, room);
    if (tools.functions && request.responseFormat && request.responseFormat.type !== "text") {
      throw new UsageError(`"response_format" and "tools" cannot be used together with a local model`);
    }
    const grammar = await this.host.grammarFor(request.responseFormat);
    const meter = this.meter();
    const predictions = countPredictions(this.chat.sequence);
    const options: LLamaChatGenerateResponseOptions<ChatModelFunctions> = {
      ...this.sampling(params, limit, signal),
      onToken: meter.onToken,
      onResponseChunk: (chunk) => {
        if (!chunk.text) return;
        const thought = chunk.type === "segment" && chunk.segmentType === "thought";
        push({ type: thought ? "reasoning" : "text", text: chunk.text });
      },
    };
    if (grammar) options.grammar = grammar;
    if (tools.functions) {
      const calls = new ToolCallParts(push);
      options.functions = tools.functions;
      options.documentFunctionParams = true;
      if (tools.maxParallelFunctionCalls) options.maxParallelFunctionCalls = tools.maxParallelFunctionCalls;
      options.onFunctionCallParamsChunk = (chunk) => calls.started(chunk.callIndex, chunk.functionName);
      options.onFunctionCall = (call) => calls.finished(call.functionName, call.params);
    }
    const outputBefore = this.chat.sequence.tokenMeter.usedOutputTokens;
    const last = history.at(-1);
    this.forcing.baseParts = last?.type === "model" ? last.response.length : 0;
    this.forcing.active = tools.mustCall;
    let stopReason: GenerateResult["stopReason"];
    try {
      stopReason = await stopReasonOf(
        () => this.chat.generateResponse(history, options).then((r) => r.metadata.stopReason),
        signal,
      );
    } finally {
      this.forcing.active = false;
    }
    const contextFull = stopReason === "length" && limit === room && room < (params.maxTokens ?? Infinity);
    const counted = meter.result();
    // Tokens of a tool call are not reported one by one: the sequence counted them.
    const output = this.chat.sequence.tokenMeter.usedOutputTokens - outputBefore;
    if (tools.functions) counted.completionTokens = Math.max(counted.completionTokens, output);
    return {
      stopReason,
      ...(contextFull ? { contextFull } : {}),
      promptTokens,
      cachedTokens,
      ...counted,
      ...(predictions ? { draft: predictions() } : {}),
    };
  }

  /** The sampling options every generation shares. */
  private sampling(params: SamplingParams, maxTokens: number, signal: AbortSignal) {
    return {
      maxTokens,
      temperature: params.temperature,
      topK: params.topK,
      topP: params.topP,
      minP: params.minP,
      repeatPenalty: repeatPenalty(params),
      customStopTriggers: params.stop,
      stopOnAbortSignal: true,
      signal,
      ...(params.seed !== undefined ? { seed: params.seed } : {}),
    };
  }

  /** A raw completion on this sequence: the text is tokenized as it is, with no template. */
  private async runCompletion(request: CompleteRequest, push: PushPart, signal: AbortSignal): Promise<GenerateResult> {
    const { params } = request;
    if (request.prompt === "") throw new UsageError(`request field "prompt" is empty`);
    const tokens = this.host.model.tokenize(request.prompt, false);
    const bos = this.host.model.tokens.bos;
    if (bos !== null && this.host.model.tokens.shouldPrependBosToken) tokens.unshift(bos);
    const contextSize = this.info.contextSize;
    const room = contextSize - tokens.length;
    if (room <= 0) {
      throw new ContextOverflowError(
        `the prompt takes ${tokens.length} tokens but the context holds ${contextSize}: shorten it or raise --context-size`,
      );
    }
    const sequence = this.chat.sequence;
    const cachedTokens = Math.min(sharedPrefix(sequence.contextTokens, tokens), tokens.length - 1);
    push({ type: "prompt", tokens: tokens.length, cached: cachedTokens });
    const limit = Math.min(params.maxTokens ?? Number.POSITIVE_INFINITY, room);
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const meter = this.meter();
    const predictions = countPredictions(sequence);
    let stopReason: GenerateResult["stopReason"];
    try {
      stopReason = await stopReasonOf(
        () =>
          completion
            .generateCompletionWithMeta(tokens, {
              ...this.sampling(params, limit, signal),
              onToken: meter.onToken,
              onTextChunk: (text) => {
                if (text) push({ type: "text", text });
              },
            })
            .then((r) => r.metadata.stopReason),
        signal,
      );
    } finally {
      completion.dispose({ disposeSequence: false });
    }
    return {
      stopReason,
      promptTokens: tokens.length,
      cachedTokens,
      ...meter.result(),
      ...(predictions ? { draft: predictions() } : {}),
    };
  }

  /**
   * Counts the generated tokens and notes when the first came; the prompt is read then, so the
   * thread count goes from the prompt's to decoding's. The prompt's count is set at once.
   */
  private meter() {
    const startedAt = performance.now();
    let firstTokenAt: number | undefined;
    let completionTokens = 0;
    this.host.useThreads("batch");
    return {
      onToken: (generated: readonly number[]): void => {
        if (firstTokenAt === undefined) {
          firstTokenAt = performance.now();
          this.host.useThreads("decode");
        } else this.host.decoded(generated.length);
        completionTokens += generated.length;
      },
      result: () => {
        this.host.idle();
        return { completionTokens, startedAt, firstTokenAt, endedAt: performance.now() };
      },
    };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const sequence = this.chat.sequence;
    this.chat.dispose();
    await sequence.dispose();
    await this.host.release();
  }
}
