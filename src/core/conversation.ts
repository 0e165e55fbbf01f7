/**
 * Conversation: the one core every front end drives. It owns the messages, the resolved
 * settings, the engine, the recorder (the conversation file) and the snapshot and context
 * policies. Each operation returns a stream of events that ends in exactly one `done` or
 * `error`; an operation never throws. Its state changes only through its methods.
 */
import { randomBytes } from "node:crypto";
import type { ChatEvent, DoneEvent, ErrorEvent, Reply } from "../chat/events.js";
import type { SamplingParams } from "../chat/params.js";
import { ReasoningSplitter } from "../chat/reasoning.js";
import type { Message, ResponseFormat, Timings } from "../chat/types.js";
import type { ChatEngine, EngineInfo, GenerateResult } from "../engine/engine.js";
import { ParleyError, RuntimeError, UsageError } from "../errors.js";
import type { Layer, Settings } from "../settings/resolve.js";
import { chosenPreset, readSaved } from "./layers.js";
import type { ConfigValue } from "../settings/keys.js";
import { Channel } from "./channel.js";
import { fitContext, type ContextPolicy } from "./context-policy.js";
import type { Persistence } from "./persistence.js";

/** Events an operation emits before its end. */
export type ProgressEvent = Exclude<ChatEvent, DoneEvent | ErrorEvent>;
type Emit = (event: ProgressEvent) => void;

export interface ConversationOptions {
  engine: ChatEngine;
  settings: Settings;
  messages?: readonly Message[];
  responseFormat?: ResponseFormat | undefined;
  /** Where the conversation is saved, and its model state; none: nothing is written. */
  persistence?: Persistence | undefined;
  /** Loads another model with the same settings (`/model <ref>`); none: switching is not offered. */
  loadModel?: ((ref: string) => Promise<LoadedModel>) | undefined;
  /**
   * The first message after the system prompt the model sees, when a resumed model state left
   * the older ones out: the next prompt then starts as that state does.
   */
  keepFrom?: number;
}

/** Another model, loaded for a switch. */
export interface LoadedModel {
  engine: ChatEngine;
  /** The model file. */
  path: string;
}

/** Words sent with `/compact`: what the summary must keep. */
const COMPACT_INSTRUCTION =
  "Summarise the conversation below in a few sentences. Keep every fact, name, number, decision " +
  "and open question; leave out greetings. Write only the summary.";

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

function asParleyError(err: unknown): ParleyError {
  return err instanceof ParleyError ? err : new RuntimeError((err as Error).message, { cause: err });
}

/** A failure of a reply that wrote nothing: the prompt goes back to the person. */
class Unanswered extends Error {
  constructor(
    readonly error: ParleyError,
    readonly prompt: string | undefined,
  ) {
    super(error.message);
  }
}

export class Conversation {
  private engine: ChatEngine;
  private readonly loadModel: ((ref: string) => Promise<LoadedModel>) | undefined;
  /** What `/compact` wrote: it stands for the messages before `upTo` in what the model sees. */
  private summary: { upTo: number; text: string } | undefined;
  private list: Message[];
  private current: Settings;
  private cachedParams: SamplingParams | undefined;
  private readonly responseFormat: ResponseFormat | undefined;
  private readonly persistence: Persistence | undefined;
  private controller: AbortController | undefined;
  private busy = false;
  /** The first message after the system prompt that the model still sees (the context policy moves it). */
  private keepFrom = 0;

  constructor(options: ConversationOptions) {
    this.engine = options.engine;
    this.list = [...(options.messages ?? [])];
    this.current = options.settings;
    this.responseFormat = options.responseFormat;
    this.persistence = options.persistence;
    this.loadModel = options.loadModel;
    this.keepFrom = Math.min(options.keepFrom ?? 0, this.list.length);
  }

  get messages(): readonly Message[] {
    return this.list;
  }

  get settings(): Settings {
    return this.current;
  }

  get params(): SamplingParams {
    this.cachedParams ??= this.current.params();
    return this.cachedParams;
  }

  get info(): EngineInfo {
    return this.engine.info;
  }

  /** The saved conversation's id, once it has one. */
  get id(): string | undefined {
    return this.persistence?.id;
  }

  get generating(): boolean {
    return this.busy;
  }

  /** Whether the last message is a reply that can be carried on. */
  get canContinue(): boolean {
    return this.list.at(-1)?.role === "assistant";
  }

  /** How many messages after the system prompt the model no longer sees. */
  get leftOut(): number {
    return Math.max(0, this.keepFrom - this.systemCount());
  }

  /** Prompt tokens the conversation takes now in the context, with the template applied. */
  contextTokens(): number {
    const view = this.view(this.list);
    return view.length === 0 ? 0 : this.countTokens(view);
  }

  /** Adds a user message and generates the reply. */
  send(text: string): AsyncIterable<ChatEvent> {
    return this.operation(async (emit) => {
      const user: Message = { role: "user", content: text };
      const view = this.fit([...this.list, user], emit, text);
      this.list.push(user);
      this.persistence?.sync(this.list, emit);
      return { type: "done", reply: await this.reply(view, emit, text) };
    });
  }

  /** Writes the last reply again: drops a trailing assistant message, then replies. */
  retry(): AsyncIterable<ChatEvent> {
    return this.operation(async (emit) => {
      if (!this.list.some((m) => m.role === "user")) throw new UsageError("nothing to retry: no prompt was sent yet");
      const old = this.list.at(-1)?.role === "assistant" ? this.list.at(-1) : undefined;
      const base = old ? this.list.slice(0, -1) : [...this.list];
      const view = this.fit(base, emit, undefined);
      this.list = base;
      try {
        return { type: "done", reply: await this.reply(view, emit, undefined) };
      } catch (err) {
        // Nothing was written: the old reply stays.
        if (err instanceof Unanswered && old) this.list.push(old);
        throw err;
      }
    });
  }

  /**
   * Carries on the last reply (one interrupted or cut by the token limit): the engine treats a
   * trailing assistant message as text to go on from. The new text joins that message; the done
   * event's reply holds only the continuation.
   */
  continue(): AsyncIterable<ChatEvent> {
    return this.operation(async (emit) => {
      const last = this.list.at(-1);
      if (last?.role !== "assistant") throw new UsageError("nothing to continue: the last message is not a reply");
      const view = this.fit(this.list, emit, undefined);
      const reply = await this.reply(view, emit, undefined, true);
      const joined: Message = { ...last, content: last.content + reply.message.content };
      if (reply.message.reasoning) joined.reasoning = (last.reasoning ?? "") + reply.message.reasoning;
      // The joined reply ends the way its continuation did.
      if (reply.message.end) joined.end = reply.message.end;
      else delete joined.end;
      this.list[this.list.length - 1] = joined;
      this.persistence?.sync(this.list, emit);
      return { type: "done", reply };
    });
  }

  /** Drops the last exchange: the last user message and what follows it. */
  undo(): AsyncIterable<ChatEvent> {
    return this.immediate((emit) => {
      const index = this.list.findLastIndex((m) => m.role === "user");
      if (index === -1) throw new UsageError("nothing to undo");
      const removed = this.list.splice(index);
      this.keepFrom = Math.min(this.keepFrom, this.list.length);
      if (this.summary && this.summary.upTo > this.list.length) this.summary = undefined;
      this.persistence?.sync(this.list, emit);
      return { type: "done", removed };
    });
  }

  /** Stops the reply being generated; what was written is kept. */
  abort(): void {
    this.controller?.abort();
  }

  /** Replaces the system prompt (or adds one at the start); an empty text removes it. */
  setSystem(text: string): void {
    this.assertIdle();
    const hasSystem = this.list[0]?.role === "system";
    if (text === "") {
      if (hasSystem) this.list.shift();
    } else if (hasSystem) this.list[0] = { role: "system", content: text };
    else this.list.unshift({ role: "system", content: text });
    this.keepFrom = 0;
    this.persistence?.sync(this.list);
  }

  /** Starts a new conversation, keeping the system prompt. */
  clear(): void {
    this.assertIdle();
    this.list.splice(this.systemCount());
    this.keepFrom = 0;
    this.summary = undefined;
    this.persistence?.restart(this.list);
  }

  /**
   * Sets a value for the rest of this conversation (`/set`): null sets it to none on purpose
   * (`/set seed none`); undefined takes the `/set` value back.
   */
  set(key: string, value: ConfigValue | null | undefined): void {
    this.assertIdle();
    const layer = this.setLayer();
    const values = { ...layer.values };
    if (value === undefined) delete values[key];
    else values[key] = value;
    this.replaceLayer("/set", { source: "/set", values });
  }

  /**
   * Uses a preset for the rest of the conversation: its parameters (below flags) and its system
   * prompt, when it has one. Returns the keys it set.
   */
  usePreset(name: string): string[] {
    this.assertIdle();
    const { layer, system } = chosenPreset(name);
    this.replaceLayer("preset", layer);
    if (system !== undefined) this.setSystem(system);
    return Object.keys(layer.values).filter((k) => k !== "system");
  }

  /**
   * Asks the model to summarise the older turns (all but the last exchange) into one note that
   * stands for them in what the model sees. The saved conversation keeps every message.
   */
  compact(): AsyncIterable<ChatEvent> {
    return this.operation(async (emit) => {
      const system = this.systemCount();
      const lastTurn = this.list.findLastIndex((m) => m.role === "user");
      const from = Math.max(system, this.summary ? this.summary.upTo : system);
      const older = this.list.slice(from, lastTurn);
      if (lastTurn <= system || older.length < 2) {
        throw new UsageError("nothing to compact yet: there is only one exchange");
      }
      const lines = [
        ...(this.summary ? [`(earlier) ${this.summary.text}`] : []),
        ...older.map((m) => `${m.role === "user" ? "User" : "Assistant"}: ${m.content}`),
      ];
      const contextSize = this.engine.info.contextSize;
      const maxTokens = Math.max(32, Math.min(256, Math.floor(contextSize / 4)));
      const request = (text: string): Message[] => [
        { role: "system", content: COMPACT_INSTRUCTION },
        { role: "user", content: text },
      ];
      // What does not fit the context with room for the summary is left out, oldest first.
      let transcript = lines.join("\n\n");
      while (transcript !== "" && this.countTokens(request(transcript)) + maxTokens >= contextSize) {
        if (lines.length > 1) lines.shift();
        else lines[0] = (lines[0] ?? "").slice(Math.ceil((lines[0] ?? "").length / 4));
        transcript = lines.join("\n\n");
      }
      if (transcript === "") throw new UsageError("the context is too small to summarise in: /clear starts afresh");
      emit({ type: "notice", code: "info", text: `summarising ${older.length} older messages…` });
      const controller = new AbortController();
      this.controller = controller;
      let text = "";
      try {
        await this.engine.generate({
          messages: request(transcript),
          params: { ...this.params, temperature: 0.2, maxTokens },
          signal: controller.signal,
          onText: (piece, kind) => {
            if (kind === "content") text += piece;
          },
        });
      } finally {
        this.controller = undefined;
      }
      const summary = new ReasoningSplitter();
      text = [...summary.push(text), ...summary.flush()]
        .filter((p) => p.kind === "content")
        .map((p) => p.text)
        .join("")
        .trim();
      if (text === "") throw new RuntimeError("the model wrote no summary; nothing was changed");
      this.summary = { upTo: lastTurn, text };
      this.keepFrom = Math.max(this.keepFrom, lastTurn);
      emit({
        type: "notice",
        code: "compacted",
        text: `the ${older.length} older messages are now one summary in what the model sees (the saved conversation keeps them): ${text}`,
      });
      return { type: "done" };
    });
  }

  /** Switches to another model, keeping the conversation: the new model reads it again. */
  switchModel(ref: string): AsyncIterable<ChatEvent> {
    return this.operation(async (emit) => {
      const load = this.loadModel;
      if (!load) throw new UsageError("switching models is not available here");
      emit({ type: "notice", code: "info", text: `loading ${ref}…` });
      const next = await load(ref);
      const old = this.engine;
      await this.persistence?.switchModel(old, next.engine, next.path, this.list, this.keepFrom);
      this.engine = next.engine;
      this.current = this.current
        .without("/set")
        .with({ ...this.setLayer(), values: { ...this.setLayer().values, model: next.path } });
      this.cachedParams = undefined;
      await old.dispose();
      const info = next.engine.info;
      emit({
        type: "notice",
        code: "info",
        text: `now using ${info.name} (${info.template}, context ${info.contextSize}); it reads the conversation again from the next message`,
      });
      return { type: "done" };
    });
  }

  /** Leaves this conversation (its model state is saved) and goes on with a saved one. */
  resume(idOrPrefix: string): AsyncIterable<ChatEvent> {
    return this.operation(async (emit) => {
      const persistence = this.persistence;
      if (!persistence) throw new UsageError("saved conversations are not available here");
      const saved = readSaved(idOrPrefix);
      const restored = await persistence.switchTo(this.engine, this.list, this.keepFrom, saved);
      const notice = restored?.notice;
      this.list = [...saved.messages];
      this.keepFrom = Math.min(restored?.keepFrom ?? 0, this.list.length);
      this.summary = undefined;
      emit({
        type: "notice",
        code: "info",
        text: `resumed ${saved.id} "${saved.title}"${notice ? ` · ${notice}` : ""}`,
      });
      return { type: "done" };
    });
  }

  /** Saves the conversation now, even with history off, with an optional title; returns its id. */
  save(title: string): string {
    if (!this.persistence) throw new UsageError("saving conversations is not available here");
    return this.persistence.save(this.list, title);
  }

  /** Why the conversation could not be saved, if it could not. */
  get saveFailure(): string | undefined {
    return this.persistence?.saveFailure;
  }

  /**
   * Leaves the conversation: stops a reply being written, saves the model state for a quick
   * resume (when the snapshot policy says so), closes the file and frees the engine.
   */
  async close(): Promise<void> {
    if (this.busy) {
      this.abort();
      for (let waited = 0; this.busy && waited < 3000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    }
    try {
      await this.persistence?.leave(this.engine, this.list, this.keepFrom);
    } finally {
      await this.engine.dispose();
    }
  }

  private setLayer(): Layer {
    return this.current.layer("/set") ?? { source: "/set", values: {} };
  }

  private replaceLayer(source: Layer["source"], layer: Layer): void {
    this.current = this.current.without(source).with(layer);
    this.cachedParams = undefined;
  }

  private systemCount(): number {
    return this.list[0]?.role === "system" ? 1 : 0;
  }

  private assertIdle(): void {
    if (this.busy) throw new UsageError("a reply is being written: wait for it or stop it first");
  }

  /** Far beyond the context a lower bound answers every question asked of a count here. */
  private countTokens(messages: readonly Message[]): number {
    return this.atLeastTokens(messages) ?? this.exactTokens(messages);
  }

  private exactTokens(messages: readonly Message[]): number {
    const counter = this.engine.tokens;
    if (counter) return counter.countTokens(messages);
    // A rough count for engines that cannot tokenize here: about four characters a token.
    return messages.reduce((sum, m) => sum + Math.ceil(m.content.length / 4) + 4, 0);
  }

  private atLeastTokens(messages: readonly Message[]): number | undefined {
    return this.engine.tokens?.atLeastTokens?.(messages, this.engine.info.contextSize);
  }

  /** What the model sees of `messages`: the system prompt, then what the context policy keeps. */
  private view(messages: readonly Message[]): Message[] {
    const system = messages[0]?.role === "system" ? 1 : 0;
    if (this.keepFrom <= system) return [...messages];
    return this.withSummary([...messages.slice(0, system), ...messages.slice(this.keepFrom)]);
  }

  /** A view with the `/compact` summary joined to its system prompt (or as one). */
  private withSummary(view: readonly Message[]): Message[] {
    const summary = this.summary;
    if (!summary || this.keepFrom < summary.upTo) return [...view];
    const note = `Summary of the earlier conversation:\n${summary.text}`;
    const first = view[0];
    if (first?.role === "system") return [{ role: "system", content: `${first.content}\n\n${note}` }, ...view.slice(1)];
    return [{ role: "system", content: note }, ...view];
  }

  /** Applies the context policy to the messages about to be sent; throws when they cannot fit. */
  private fit(messages: readonly Message[], emit: Emit, prompt: string | undefined): Message[] {
    const policy = (this.current.string("context-policy") ?? "drop") as ContextPolicy;
    const fitted = fitContext({
      messages,
      keepFrom: this.keepFrom,
      policy,
      contextSize: this.engine.info.contextSize,
      maxTokens: this.params.maxTokens,
      count: (m) => this.exactTokens(this.withSummary(m)),
      atLeast: (m) => this.atLeastTokens(this.withSummary(m)),
    });
    if (fitted.kind === "refused") throw new Unanswered(fitted.error, prompt);
    if (this.summary && fitted.keepFrom < this.summary.upTo) this.summary = undefined;
    if (fitted.keepFrom !== this.keepFrom) {
      const newlyLeft = fitted.keepFrom - Math.max(this.keepFrom, messages[0]?.role === "system" ? 1 : 0);
      this.keepFrom = fitted.keepFrom;
      const total = this.leftOutOf(messages);
      emit({
        type: "notice",
        code: "context-dropped",
        text:
          `the ${newlyLeft === 1 ? "oldest message" : `${newlyLeft} oldest messages`} no longer fit and ` +
          `${newlyLeft === 1 ? "was" : "were"} left out of what the model sees` +
          `${total > newlyLeft ? ` (${total} in all)` : ""}; the saved conversation keeps them`,
      });
    }
    return this.withSummary(fitted.view);
  }

  private leftOutOf(messages: readonly Message[]): number {
    return Math.max(0, this.keepFrom - (messages[0]?.role === "system" ? 1 : 0));
  }

  /** An operation that completes at once: its events are all queued before it returns. */
  private immediate(run: (emit: Emit) => DoneEvent): AsyncIterable<ChatEvent> {
    const out = new Channel<ChatEvent>();
    try {
      this.assertIdle();
      out.push(run((event) => out.push(event)));
    } catch (err) {
      out.push({ type: "error", error: asParleyError(err) });
    }
    out.close();
    return out;
  }

  /**
   * Runs one operation: it may emit progress events and returns its `done` event; a throw
   * becomes the one `error` event. Nothing escapes as an exception.
   */
  private operation(run: (emit: Emit) => Promise<DoneEvent>): AsyncIterable<ChatEvent> {
    const out = new Channel<ChatEvent>();
    if (this.busy) {
      out.push({ type: "error", error: new UsageError("a reply is being written: wait for it or stop it first") });
      out.close();
      return out;
    }
    this.busy = true;
    const finish = (end: DoneEvent | ErrorEvent): void => {
      this.busy = false;
      out.push(end);
      out.close();
    };
    let started: Promise<DoneEvent>;
    try {
      started = run((event) => out.push(event));
    } catch (err) {
      started = Promise.reject(asParleyError(err));
    }
    started.then(finish, (err: unknown) => {
      if (err instanceof Unanswered) {
        finish({ type: "error", error: err.error, ...(err.prompt !== undefined ? { prompt: err.prompt } : {}) });
      } else finish({ type: "error", error: asParleyError(err) });
    });
    return out;
  }

  /**
   * Generates the reply to `view` and adds it to the conversation (a continuation is returned
   * only, for the caller to join). If nothing was written when it fails, a prompt sent with it
   * (`prompt`) is taken back out of the conversation.
   */
  private async reply(view: Message[], emit: Emit, prompt: string | undefined, continuing = false): Promise<Reply> {
    const controller = new AbortController();
    this.controller = controller;
    const id = newCompletionId();
    const created = Math.floor(Date.now() / 1000);
    const model = this.engine.info.name;
    const splitter = new ReasoningSplitter();
    let content = "";
    let reasoning = "";
    let wrote = false;
    const put = (kind: "content" | "reasoning", text: string): void => {
      if (!text) return;
      wrote = true;
      if (kind === "content") {
        content += text;
        emit({ type: "token", text });
      } else {
        reasoning += text;
        emit({ type: "reasoning", text });
      }
    };
    emit({ type: "start", id, created, model });
    let result: GenerateResult;
    try {
      result = await this.engine.generate({
        messages: view,
        params: this.params,
        ...(this.responseFormat ? { responseFormat: this.responseFormat } : {}),
        signal: controller.signal,
        onPrompt: (tokens) => emit({ type: "prompt", tokens, contextSize: this.engine.info.contextSize }),
        onText: (text, kind) => {
          if (kind === "reasoning") put("reasoning", text);
          else for (const piece of splitter.push(text)) put(piece.kind, piece.text);
        },
      });
    } catch (err) {
      const error = asParleyError(err);
      if (wrote) throw error;
      if (prompt !== undefined && this.list.at(-1)?.role === "user") {
        this.list.pop();
        this.persistence?.sync(this.list, emit);
      }
      throw new Unanswered(error, prompt);
    } finally {
      this.controller = undefined;
    }
    for (const piece of splitter.flush()) put(piece.kind, piece.text);
    const message: Message = { role: "assistant", content };
    if (reasoning) message.reasoning = reasoning;
    if (result.stopReason !== "stop")
      message.end = result.stopReason === "abort" ? "interrupted" : result.contextFull ? "context" : "length";
    const reply: Reply = {
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
    if (!continuing) {
      this.list.push(message);
      this.persistence?.reply(reply, this.list, emit);
    }
    return reply;
  }
}
