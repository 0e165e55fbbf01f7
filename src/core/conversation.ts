/** ChatSession: a conversation over an engine, streaming typed events to one listener. */
import { randomBytes } from "node:crypto";
import { ParleyError, RuntimeError, UsageError } from "../errors.js";
import type { ChatEngine, GenerateResult } from "../engine/engine.js";
import type { ChatListener, DoneEvent } from "./events.js";
import type { SamplingParams } from "./params.js";
import { ReasoningSplitter } from "./reasoning.js";
import type { Message, ResponseFormat, Timings } from "./types.js";

/** Keeps a record of the conversation (a file, for one): told of every change as it happens. */
export interface SessionRecorder {
  /** The messages changed (a prompt about to be answered, an undo, a new system prompt...). */
  sync(messages: readonly Message[]): void;
  /** A reply finished; it is the last of `messages`. */
  reply(done: DoneEvent, messages: readonly Message[]): void;
  /** A new conversation starts (`/clear`): the recorder to use from now on. */
  restart?(messages: readonly Message[]): SessionRecorder;
}

export interface SessionOptions {
  messages?: Message[];
  params: SamplingParams;
  responseFormat?: ResponseFormat;
  recorder?: SessionRecorder;
}

function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** llama-server-style timings. Decode speed counts the tokens after the first one. */
export function computeTimings(result: GenerateResult): Timings {
  const first = result.firstTokenAt ?? result.endedAt;
  const promptMs = first - result.startedAt;
  const predictedMs = result.endedAt - first;
  const n = result.completionTokens;
  const perSecond = n > 1 && predictedMs > 0 ? ((n - 1) * 1000) / predictedMs : 0;
  return {
    prompt_n: result.promptTokens,
    prompt_ms: round(promptMs),
    prompt_per_token_ms: result.promptTokens > 0 ? round(promptMs / result.promptTokens) : 0,
    prompt_per_second: promptMs > 0 ? round((result.promptTokens * 1000) / promptMs) : 0,
    predicted_n: n,
    predicted_ms: round(predictedMs),
    predicted_per_token_ms: perSecond > 0 ? round(1000 / perSecond) : 0,
    predicted_per_second: round(perSecond),
  };
}

export function newCompletionId(): string {
  return `chatcmpl-${randomBytes(12).toString("hex")}`;
}

export class ChatSession {
  readonly messages: Message[];
  params: SamplingParams;
  responseFormat: ResponseFormat | undefined;
  recorder: SessionRecorder | undefined;
  private controller: AbortController | undefined;

  constructor(
    private readonly engine: ChatEngine,
    options: SessionOptions,
  ) {
    this.messages = [...(options.messages ?? [])];
    this.params = options.params;
    this.responseFormat = options.responseFormat;
    this.recorder = options.recorder;
  }

  get generating(): boolean {
    return this.controller !== undefined;
  }

  /** Adds a user message and generates the reply. */
  async send(text: string, listener: ChatListener): Promise<DoneEvent> {
    this.messages.push({ role: "user", content: text });
    return this.reply(listener);
  }

  /** Stops the reply being generated; what was written is kept. */
  abort(): void {
    this.controller?.abort();
  }

  /** Prompt tokens the conversation takes now, with the template applied. */
  contextTokens(): number {
    return this.messages.length === 0 ? 0 : this.engine.countPromptTokens(this.messages);
  }

  /** Replaces the system prompt (or adds one at the start); an empty text removes it. */
  setSystem(text: string): void {
    this.assertIdle();
    const hasSystem = this.messages[0]?.role === "system";
    if (text === "") {
      if (hasSystem) this.messages.shift();
    } else if (hasSystem) this.messages[0] = { role: "system", content: text };
    else this.messages.unshift({ role: "system", content: text });
    this.recorder?.sync(this.messages);
  }

  /** Starts a new conversation, keeping the system prompt. */
  clear(): void {
    this.assertIdle();
    const keep = this.messages[0]?.role === "system" ? 1 : 0;
    this.messages.splice(keep);
    this.recorder = this.recorder?.restart?.(this.messages);
  }

  /** Regenerates the last reply: drops a trailing assistant message, then replies again. */
  async retry(listener: ChatListener): Promise<DoneEvent> {
    this.assertIdle();
    if (!this.messages.some((m) => m.role === "user")) throw new UsageError("nothing to retry: no prompt was sent yet");
    if (this.messages.at(-1)?.role === "assistant") this.messages.pop();
    return this.reply(listener);
  }

  /** Drops the last exchange (the last user message and what follows it); returns what was removed. */
  undo(): Message[] {
    this.assertIdle();
    let index = -1;
    for (let i = this.messages.length - 1; i >= 0; i--) {
      if (this.messages[i]?.role === "user") {
        index = i;
        break;
      }
    }
    if (index === -1) throw new UsageError("nothing to undo");
    const removed = this.messages.splice(index);
    this.recorder?.sync(this.messages);
    return removed;
  }

  /**
   * Continues the last assistant message (one that was interrupted or cut by the token limit):
   * the engine treats a trailing assistant message as text to carry on from. The new text is
   * appended to that message; the done event's message holds only the continuation.
   */
  async continue(listener: ChatListener): Promise<DoneEvent> {
    this.assertIdle();
    const last = this.messages.at(-1);
    if (last?.role !== "assistant") throw new UsageError("nothing to continue: the last message is not a reply");
    const done = await this.reply(listener);
    const added = this.messages.pop();
    if (added) {
      last.content += added.content;
      if (added.reasoning) last.reasoning = (last.reasoning ?? "") + added.reasoning;
    }
    this.recorder?.sync(this.messages);
    return done;
  }

  private assertIdle(): void {
    if (this.controller) throw new RuntimeError("a reply is being generated");
  }

  /** Generates the assistant reply to the current messages and appends it. */
  async reply(listener: ChatListener): Promise<DoneEvent> {
    if (this.controller) throw new RuntimeError("a reply is already being generated");
    const controller = new AbortController();
    this.controller = controller;
    const id = newCompletionId();
    const created = Math.floor(Date.now() / 1000);
    const model = this.engine.info.name;
    const splitter = new ReasoningSplitter();
    let content = "";
    let reasoning = "";
    const emit = (kind: "content" | "reasoning", text: string): void => {
      if (!text) return;
      if (kind === "content") {
        content += text;
        listener({ type: "token", text });
      } else {
        reasoning += text;
        listener({ type: "reasoning", text });
      }
    };
    listener({ type: "start", id, created, model });
    try {
      // The prompt is recorded before the reply starts: a process killed mid-reply keeps it.
      this.recorder?.sync(this.messages);
      const result = await this.engine.generate({
        messages: this.messages,
        params: this.params,
        ...(this.responseFormat ? { responseFormat: this.responseFormat } : {}),
        signal: controller.signal,
        onText: (text, kind) => {
          if (kind === "reasoning") emit("reasoning", text);
          else for (const piece of splitter.push(text)) emit(piece.kind, piece.text);
        },
      });
      for (const piece of splitter.flush()) emit(piece.kind, piece.text);
      const message: Message = { role: "assistant", content };
      if (reasoning) message.reasoning = reasoning;
      this.messages.push(message);
      const done: DoneEvent = {
        type: "done",
        id,
        created,
        model,
        message,
        finishReason: result.stopReason === "length" ? "length" : "stop",
        interrupted: result.stopReason === "abort",
        usage: {
          prompt_tokens: result.promptTokens,
          completion_tokens: result.completionTokens,
          total_tokens: result.promptTokens + result.completionTokens,
        },
        timings: computeTimings(result),
      };
      this.recorder?.reply(done, this.messages);
      listener(done);
      return done;
    } catch (err) {
      const error = err instanceof ParleyError ? err : new RuntimeError((err as Error).message, { cause: err });
      listener({ type: "error", error });
      throw error;
    } finally {
      this.controller = undefined;
    }
  }
}
