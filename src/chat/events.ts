/**
 * The one stream of events every front end consumes. Each operation of a conversation yields
 * some of these and ends with exactly one `done` or `error`.
 */
import type { ParleyError } from "../errors.js";
import type { FinishReason, Message, Timings, Usage } from "./types.js";

/** A reply begins. */
export interface StartEvent {
  type: "start";
  id: string;
  created: number;
  model: string;
}

/** The prompt the engine evaluates, once its size is known (before the first token). */
export interface PromptEvent {
  type: "prompt";
  tokens: number;
  /** Of those, the tokens the engine already held and does not read again. */
  cached?: number;
  contextSize: number;
}

export interface TokenEvent {
  type: "token";
  text: string;
}

export interface ReasoningEvent {
  type: "reasoning";
  text: string;
}

/**
 * A piece of a tool call the reply makes, as it is written. The first event of a call (by
 * `index`, from 0) names it; the following ones add to its arguments. The whole calls are in the
 * `done` event's `reply.message.tool_calls`.
 */
export interface ToolCallEvent {
  type: "tool-call";
  index: number;
  id: string;
  name: string;
  /** More of the call's arguments (a JSON text, in pieces); "" in the first event. */
  arguments: string;
}

/** Something the person should be told in plain words (messages left out of the context...). */
export interface NoticeEvent {
  type: "notice";
  /** A stable name for what happened, for front ends that treat some notices apart. */
  code: "context-dropped" | "compacted" | "snapshot" | "not-saved" | "waiting" | "warning" | "info";
  text: string;
}

/** A finished reply, as a Chat Completion describes it. */
export interface Reply {
  id: string;
  created: number;
  model: string;
  message: Message;
  finishReason: FinishReason;
  interrupted: boolean;
  usage: Usage;
  /** The token counts are estimated: the engine could not count them (a remote server that sent no usage). */
  estimated?: true;
  timings: Timings;
}

export interface DoneEvent {
  type: "done";
  /** The reply written (send, retry, continue: for a continuation, only the new text). */
  reply?: Reply;
  /** Messages the operation removed (undo). */
  removed?: Message[];
  /** After a reply: the tokens the conversation takes in the context now, and the context's size. */
  context?: { used: number; size: number };
}

export interface ErrorEvent {
  type: "error";
  error: ParleyError;
  /** A prompt that was not added to the conversation because it could not be answered: give it back. */
  prompt?: string;
}

export type ChatEvent =
  StartEvent | PromptEvent | TokenEvent | ReasoningEvent | ToolCallEvent | NoticeEvent | DoneEvent | ErrorEvent;

export type ChatListener = (event: ChatEvent) => void;
