/** The one stream of events every front end consumes. */
import type { ParleyError } from "../errors.js";
import type { FinishReason, Message, Timings, Usage } from "./types.js";

export interface StartEvent {
  type: "start";
  id: string;
  created: number;
  model: string;
}

export interface TokenEvent {
  type: "token";
  text: string;
}

export interface ReasoningEvent {
  type: "reasoning";
  text: string;
}

export interface DoneEvent {
  type: "done";
  id: string;
  created: number;
  model: string;
  message: Message;
  finishReason: FinishReason;
  interrupted: boolean;
  usage: Usage;
  timings: Timings;
}

export interface ErrorEvent {
  type: "error";
  error: ParleyError;
}

export type ChatEvent = StartEvent | TokenEvent | ReasoningEvent | DoneEvent | ErrorEvent;

export type ChatListener = (event: ChatEvent) => void;
