/**
 * Conversation: the one core every front end drives. It owns the messages, the resolved
 * settings, the engine, the recorder (the conversation file) and the snapshot and context
 * policies. Each operation returns a stream of events that ends in exactly one `done` or
 * `error`; an operation never throws. Its state changes only through its methods.
 */
import type { ChatEvent, DoneEvent, ErrorEvent, Reply } from "../chat/events.js";
import type { SamplingParams } from "../chat/params.js";
import type { Message, ResponseFormat, ToolCall, ToolSet } from "../chat/types.js";
import { checkToolSet, unansweredCalls } from "../chat/tools.js";
import type { ChatEngine, EngineInfo } from "../engine/engine.js";
import { UsageError } from "../errors.js";
import type { Layer, Settings } from "../settings/resolve.js";
import { chosenPreset, readSaved } from "./layers.js";
import type { ConfigValue } from "../settings/keys.js";
import { Channel } from "../chat/channel.js";
import type { ContextPolicy } from "./context-policy.js";
import { ContextWindow, countTokens } from "./context-window.js";
import { compactRequest, writeSummary } from "./compaction.js";
import type { Persistence } from "./persistence.js";
import type { ModelIdentity } from "../store/conversation-records.js";
import { asParleyError, assembleReply, CutShort, Unanswered, type Emit, type ProgressEvent } from "./reply.js";

export { computeTimings, newCompletionId } from "./reply.js";
export type { ProgressEvent };

export interface ConversationOptions {
  /** The engine to generate with: the conversation uses it, its opener owns it. */
  engine: ChatEngine;
  settings: Settings;
  messages?: readonly Message[];
  responseFormat?: ResponseFormat | undefined;
  /** The tools the replies may call (`tools`, `tool_choice`, `parallel_tool_calls`); none: no tools. */
  tools?: ToolSet | undefined;
  /** Where the conversation is saved, and its model state; none: nothing is written. */
  persistence?: Persistence | undefined;
  /** Loads another model with the same settings (`/model <ref>`); none: switching is not offered. */
  loadModel?: ((ref: string) => Promise<LoadedModel>) | undefined;
  /** What to do with an engine the conversation is done with (on close, or after a switch). */
  release?: ((engine: ChatEngine) => Promise<void>) | undefined;
  /**
   * The first message after the system prompt the model sees, when a resumed model state left
   * the older ones out: the next prompt then starts as that state does.
   */
  keepFrom?: number;
}

/** Another model, loaded for a switch. */
export interface LoadedModel {
  engine: ChatEngine;
  /** The model file, or the remote model's reference. */
  path: string;
  /** What the conversation records of a remote model (the file's identity otherwise). */
  identity?: ModelIdentity;
}

export class Conversation {
  private engine: ChatEngine;
  private readonly loadModel: ((ref: string) => Promise<LoadedModel>) | undefined;
  private readonly release: (engine: ChatEngine) => Promise<void>;
  private list: Message[];
  private current: Settings;
  private cachedParams: SamplingParams | undefined;
  private readonly responseFormat: ResponseFormat | undefined;
  private toolSet: ToolSet | undefined;
  private readonly persistence: Persistence | undefined;
  private controller: AbortController | undefined;
  private busy = false;
  /** Left (`close`): nothing more is sent, generated or saved. */
  private closed = false;
  /** What the model sees of the conversation (the context policy and `/compact` move it). */
  private readonly window: ContextWindow;

  constructor(options: ConversationOptions) {
    this.engine = options.engine;
    this.list = [...(options.messages ?? [])];
    this.current = options.settings;
    this.responseFormat = options.responseFormat;
    if (options.tools) checkToolSet(options.tools);
    this.toolSet = options.tools;
    this.persistence = options.persistence;
    this.loadModel = options.loadModel;
    this.release = options.release ?? (() => Promise.resolve());
    this.window = new ContextWindow(Math.min(options.keepFrom ?? 0, this.list.length));
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

  /** Whether the last message is a reply that can be carried on (not one that calls tools). */
  get canContinue(): boolean {
    const last = this.list.at(-1);
    return last?.role === "assistant" && !last.tool_calls?.length;
  }

  /** The tools the replies may call, if any. */
  get tools(): ToolSet | undefined {
    return this.toolSet;
  }

  /** Sets the tools the next replies may call; undefined: none. Throws on an invalid set. */
  setTools(tools: ToolSet | undefined): void {
    this.assertIdle();
    if (tools) checkToolSet(tools);
    this.toolSet = tools;
  }

  /** The calls of the last reply that have no `tool` result yet, in order. */
  get pendingToolCalls(): readonly ToolCall[] {
    return unansweredCalls(this.list);
  }

  /**
   * Adds the result of a tool call of the last reply as a `tool` message. Throws when `id` is not
   * a call of the last reply waiting for its result. Once every call has its result,
   * `respond()` asks for the next reply.
   */
  addToolResult(id: string, content: string): void {
    this.assertIdle();
    if (!this.pendingToolCalls.some((c) => c.id === id)) {
      throw new UsageError(`no tool call ${JSON.stringify(id)} of the last reply is waiting for a result`);
    }
    this.list.push({ role: "tool", tool_call_id: id, content });
    this.persistence?.sync(this.list);
  }

  /** How many messages after the system prompt the model no longer sees. */
  get leftOut(): number {
    return this.window.leftOut(this.list);
  }

  /** Prompt tokens the conversation takes now in the context, with the template applied. */
  contextTokens(): number {
    const view = this.window.view(this.list);
    return view.length === 0 ? 0 : countTokens(this.engine, view);
  }

  /**
   * Answers: sends `prompt` as a new user message when there is one; otherwise carries on a
   * conversation that ends in a reply, or answers one that ends in a user message.
   */
  respond(prompt: string | undefined): AsyncIterable<ChatEvent> {
    if (prompt !== undefined) return this.send(prompt);
    if (this.list.at(-1)?.role === "tool" || this.pendingToolCalls.length > 0) return this.answerTools();
    return this.canContinue ? this.continue() : this.retry();
  }

  /** Replies to the tool results that end the conversation (every call of the last reply answered). */
  answerTools(): AsyncIterable<ChatEvent> {
    return this.operation(async (emit) => {
      const waiting = this.pendingToolCalls[0];
      if (waiting) {
        throw new UsageError(`tool call ${JSON.stringify(waiting.id)} (${waiting.function.name}) has no result yet`);
      }
      if (this.list.at(-1)?.role !== "tool") throw new UsageError("no tool results to answer");
      const view = this.fit(this.list, emit, undefined);
      return this.done(await this.reply(view, emit, undefined));
    });
  }

  /** Adds a user message and generates the reply. */
  send(text: string): AsyncIterable<ChatEvent> {
    return this.operation(async (emit) => {
      const user: Message = { role: "user", content: text };
      const view = this.fit([...this.list, user], emit, text);
      this.list.push(user);
      this.persistence?.sync(this.list, emit);
      return this.done(await this.reply(view, emit, text));
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
        return this.done(await this.reply(view, emit, undefined));
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
      if (last.tool_calls?.length) throw new UsageError("nothing to continue: the last reply calls tools");
      const view = this.fit(this.list, emit, undefined);
      const reply = await this.reply(view, emit, undefined, true);
      const joined: Message = { ...last, content: last.content + reply.message.content };
      if (reply.message.reasoning) joined.reasoning = (last.reasoning ?? "") + reply.message.reasoning;
      // The joined reply ends the way its continuation did.
      if (reply.message.end) joined.end = reply.message.end;
      else delete joined.end;
      this.list[this.list.length - 1] = joined;
      this.persistence?.sync(this.list, emit);
      return this.done(reply);
    });
  }

  /** Drops the last exchange: the last user message and what follows it. */
  undo(): AsyncIterable<ChatEvent> {
    return this.immediate((emit) => {
      const index = this.list.findLastIndex((m) => m.role === "user");
      if (index === -1) throw new UsageError("nothing to undo");
      const removed = this.list.splice(index);
      this.window.truncated(this.list.length);
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
    this.window.keepFrom = 0;
    this.persistence?.sync(this.list);
  }

  /** Starts a new conversation, keeping the system prompt. */
  clear(): void {
    this.assertIdle();
    this.list.splice(this.systemCount());
    this.window.reset();
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
      const summary = this.window.summary;
      const from = Math.max(system, summary ? summary.upTo : system);
      const older = this.list.slice(from, lastTurn);
      if (lastTurn <= system || older.length < 2) {
        throw new UsageError("nothing to compact yet: there is only one exchange");
      }
      const request = compactRequest(this.engine, older, summary?.text);
      emit({ type: "notice", code: "info", text: `summarising ${older.length} older messages…` });
      const controller = new AbortController();
      this.controller = controller;
      let text: string;
      try {
        text = await writeSummary(this.engine, request, this.params, controller.signal);
      } finally {
        this.controller = undefined;
      }
      this.window.summary = { upTo: lastTurn, text };
      this.window.keepFrom = Math.max(this.window.keepFrom, lastTurn);
      emit({
        type: "notice",
        code: "compacted",
        text: `the ${older.length} older messages are now one summary in what the model sees (the saved conversation keeps them): ${text}`,
      });
      return { type: "done" };
    });
  }

  /**
   * Switches to another model, keeping the conversation: the new model reads it again. `abort`
   * stops waiting for the load: the old model stays, and the new one is let go once it has loaded.
   */
  switchModel(ref: string): AsyncIterable<ChatEvent> {
    return this.operation(async (emit) => {
      const load = this.loadModel;
      if (!load) throw new UsageError("switching models is not available here");
      emit({ type: "notice", code: "info", text: `loading ${ref}…` });
      const controller = new AbortController();
      this.controller = controller;
      let next: LoadedModel;
      try {
        next = await untilAborted(load(ref), controller.signal, (late) => void this.release(late.engine));
      } finally {
        this.controller = undefined;
      }
      if (this.closed) {
        await this.release(next.engine);
        throw new UsageError("the conversation was left while the model loaded");
      }
      const old = this.engine;
      await this.persistence?.switchModel(
        old,
        next.engine,
        next.identity ?? next.path,
        this.list,
        this.window.keepFrom,
      );
      this.engine = next.engine;
      this.current = this.current
        .without("/set")
        .with({ ...this.setLayer(), values: { ...this.setLayer().values, model: next.path } });
      this.cachedParams = undefined;
      await this.release(old);
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
      const restored = await persistence.switchTo(this.engine, this.list, this.window.keepFrom, saved);
      const notice = restored?.notice;
      this.list = [...saved.messages];
      this.window.reset(Math.min(restored?.keepFrom ?? 0, this.list.length));
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
   * resume (when the snapshot policy says so), closes the file and gives the engine back.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.busy) {
      this.abort();
      for (let waited = 0; this.busy && waited < 3000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    }
    try {
      await this.persistence?.leave(this.engine, this.list, this.window.keepFrom);
    } finally {
      await this.release(this.engine);
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

  /** Applies the context policy to the messages about to be sent; throws when they cannot fit. */
  private fit(messages: readonly Message[], emit: Emit, prompt: string | undefined): Message[] {
    const policy = (this.current.string("context-policy") ?? "drop") as ContextPolicy;
    return this.window.fit(messages, this.engine, policy, this.params.maxTokens, emit, prompt);
  }

  /** The done event of a reply, with the context it leaves in use (no new count needed). */
  private done(reply: Reply): DoneEvent {
    const used = reply.usage.prompt_tokens + reply.usage.completion_tokens;
    return { type: "done", reply, context: { used, size: this.engine.info.contextSize } };
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
    if (this.busy || this.closed) {
      const why = this.closed ? "the conversation was left" : "a reply is being written: wait for it or stop it first";
      out.push({ type: "error", error: new UsageError(why) });
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
      } else if (err instanceof CutShort) finish({ type: "error", error: err.error });
      else finish({ type: "error", error: asParleyError(err) });
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
    let reply: Reply;
    try {
      ({ reply } = await assembleReply({
        engine: this.engine,
        view,
        params: this.params,
        responseFormat: this.responseFormat,
        tools: this.toolSet,
        signal: controller.signal,
        emit,
      }));
    } catch (err) {
      if (err instanceof Unanswered) {
        if (prompt !== undefined && this.list.at(-1)?.role === "user") {
          this.list.pop();
          this.persistence?.sync(this.list, emit);
        }
        throw new Unanswered(err.error, prompt);
      }
      // What was written before the failure (a stream cut mid-reply) is kept, marked interrupted.
      if (err instanceof CutShort && !continuing && err.partial !== "") {
        this.list.push({ role: "assistant", content: err.partial, end: "interrupted" });
        this.persistence?.sync(this.list, emit);
      }
      throw err;
    } finally {
      this.controller = undefined;
    }
    if (!continuing) {
      this.list.push(reply.message);
      this.persistence?.reply(reply, this.list, emit);
    }
    return reply;
  }
}

/**
 * The value of `work`, or an error as soon as `signal` aborts; what `work` gives after that goes
 * to `late` (to be let go), so nothing loaded for nothing is kept.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, late: (value: T) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      work.then(late, () => undefined);
      reject(new UsageError("stopped loading the model; the conversation goes on with the one it had"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) return;
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!signal.aborted) reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
