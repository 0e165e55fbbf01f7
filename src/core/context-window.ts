/**
 * What the model sees of a conversation: the system prompt, then the messages the context policy
 * keeps, with a `/compact` summary standing for older ones. It moves only forward while the
 * conversation grows, and is reset by undo, clear and resume.
 */
import type { Message } from "../chat/types.js";
import type { ChatEngine } from "../engine/engine.js";
import { ContextOverflowError } from "../errors.js";
import { fitContext, type ContextPolicy } from "./context-policy.js";
import type { Emit } from "./reply.js";
import { Unanswered } from "./reply.js";

function systemCount(messages: readonly Message[]): number {
  return messages[0]?.role === "system" ? 1 : 0;
}

export class ContextWindow {
  /** The first message after the system prompt that the model still sees. */
  keepFrom: number;
  /** What `/compact` wrote: it stands for the messages before `upTo` in what the model sees. */
  summary: { upTo: number; text: string } | undefined;

  /**
   * For an engine that only estimates counts (a remote server): how much more its server counts
   * than the estimate, learnt from the server refusing a prompt too long for its context.
   */
  private scaled: { engine: ChatEngine; factor: number } | undefined;

  constructor(keepFrom = 0) {
    this.keepFrom = keepFrom;
  }

  /**
   * The server refused `view` as too long for its context, though the estimate said it fits:
   * counts are scaled up to what the server counts (its own figure, else at least its context)
   * so that the context policy sees it. False when there is nothing to learn (exact counts).
   */
  overflowed(error: unknown, view: readonly Message[], engine: ChatEngine): boolean {
    if (!(error instanceof ContextOverflowError) || engine.tokens) return false;
    const estimate = exactTokens(engine, view);
    if (estimate <= 0) return false;
    const counted = error.counted?.promptTokens ?? engine.info.contextSize;
    const before = this.scaled?.engine === engine ? this.scaled.factor : 1;
    this.scaled = { engine, factor: Math.max(before * 1.25, (counted * 1.05) / estimate) };
    return true;
  }

  private count(engine: ChatEngine, messages: readonly Message[]): number {
    const tokens = exactTokens(engine, messages);
    return this.scaled?.engine === engine ? Math.ceil(tokens * this.scaled.factor) : tokens;
  }

  /** How many messages after the system prompt of `messages` the model no longer sees. */
  leftOut(messages: readonly Message[]): number {
    return Math.max(0, this.keepFrom - systemCount(messages));
  }

  /** Back to seeing everything (a new conversation, another system prompt). */
  reset(keepFrom = 0): void {
    this.keepFrom = keepFrom;
    this.summary = undefined;
  }

  /** After messages were removed from the end, down to `length`. */
  truncated(length: number): void {
    this.keepFrom = Math.min(this.keepFrom, length);
    if (this.summary && this.summary.upTo > length) this.summary = undefined;
  }

  /** What the model sees of `messages`: the system prompt, then what the context policy keeps. */
  view(messages: readonly Message[]): Message[] {
    if (this.keepFrom <= systemCount(messages)) return [...messages];
    return this.withSummary([...messages.slice(0, systemCount(messages)), ...messages.slice(this.keepFrom)]);
  }

  /** A view with the `/compact` summary joined to its system prompt (or as one). */
  withSummary(view: readonly Message[]): Message[] {
    const summary = this.summary;
    if (!summary || this.keepFrom < summary.upTo) return [...view];
    const note = `Summary of the earlier conversation:\n${summary.text}`;
    const first = view[0];
    if (first?.role === "system") return [{ role: "system", content: `${first.content}\n\n${note}` }, ...view.slice(1)];
    return [{ role: "system", content: note }, ...view];
  }

  /** Applies the context policy to the messages about to be sent; throws `Unanswered` when they cannot fit. */
  fit(
    messages: readonly Message[],
    engine: ChatEngine,
    policy: ContextPolicy,
    maxTokens: number | undefined,
    emit: Emit,
    prompt: string | undefined,
  ): Message[] {
    const fitted = fitContext({
      messages,
      keepFrom: this.keepFrom,
      policy,
      contextSize: engine.info.contextSize,
      maxTokens,
      count: (m) => this.count(engine, this.withSummary(m)),
      atLeast: (m) => atLeastTokens(engine, this.withSummary(m)),
    });
    if (fitted.kind === "refused") throw new Unanswered(fitted.error, prompt);
    if (this.summary && fitted.keepFrom < this.summary.upTo) this.summary = undefined;
    if (fitted.keepFrom !== this.keepFrom) {
      const newlyLeft = fitted.keepFrom - Math.max(this.keepFrom, systemCount(messages));
      this.keepFrom = fitted.keepFrom;
      const total = this.leftOut(messages);
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
}

/** Exact prompt tokens with the template applied; a rough count for engines that cannot tokenize. */
export function exactTokens(engine: ChatEngine, messages: readonly Message[]): number {
  const counter = engine.tokens;
  if (counter) return counter.countTokens(messages);
  // About four characters a token.
  return messages.reduce((sum, m) => sum + Math.ceil(m.content.length / 4) + 4, 0);
}

/** Far beyond the context, a lower bound found on part of the text. */
export function atLeastTokens(engine: ChatEngine, messages: readonly Message[]): number | undefined {
  return engine.tokens?.atLeastTokens?.(messages, engine.info.contextSize);
}

/** A count for questions a lower bound answers as well as an exact count. */
export function countTokens(engine: ChatEngine, messages: readonly Message[]): number {
  return atLeastTokens(engine, messages) ?? exactTokens(engine, messages);
}
