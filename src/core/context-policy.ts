/**
 * What happens when a conversation no longer fits the context. "drop": the oldest turns after
 * the system prompt are left out of what the model sees (the saved conversation keeps them);
 * enough is dropped at once that the next few turns fit too, so the kept part stays a stable
 * prefix the engine can reuse. "stop": nothing is dropped; the prompt is refused with the ways
 * out. Either way a prompt that cannot be answered at all is refused, never sent.
 */
import type { Message } from "../chat/types.js";
import { ContextOverflowError, type ParleyError } from "../errors.js";

export type ContextPolicy = "drop" | "stop";

/** Room kept for the reply when the request sets no token limit. */
export const REPLY_ROOM = 512;
/** After dropping, the kept part takes at most this share of the room, so later turns fit too. */
const REFILL = 0.75;

export interface FitRequest {
  /** The conversation as it would be sent, system prompt first when there is one. */
  messages: readonly Message[];
  /** The first message after the system prompt the model sees now. */
  keepFrom: number;
  policy: ContextPolicy;
  contextSize: number;
  maxTokens: number | undefined;
  count: (messages: readonly Message[]) => number;
  /** A lower bound, when the messages are so far beyond the context that one is enough (cheaper). */
  atLeast?: (messages: readonly Message[]) => number | undefined;
}

export type FitResult = { kind: "fits"; view: Message[]; keepFrom: number } | { kind: "refused"; error: ParleyError };

/** The room a reply needs: its token limit, else REPLY_ROOM, and at most a quarter of the context. */
export function replyRoom(contextSize: number, maxTokens: number | undefined): number {
  return Math.max(1, Math.min(maxTokens ?? REPLY_ROOM, Math.floor(contextSize / 4)));
}

/** The messages the model sees when those before `keepFrom` (after the system prompt) are left out. */
export function viewOf(messages: readonly Message[], system: number, keepFrom: number): Message[] {
  return keepFrom <= system ? [...messages] : [...messages.slice(0, system), ...messages.slice(keepFrom)];
}

/** Where the turn after `index` starts (the next user message), or -1 when there is none. */
function nextTurn(messages: readonly Message[], index: number): number {
  for (let i = index + 1; i < messages.length; i++) if (messages[i]?.role === "user") return i;
  return -1;
}

export function fitContext(request: FitRequest): FitResult {
  const { messages, policy, contextSize } = request;
  let bounded = false;
  const count = (view: readonly Message[]): number => {
    const atLeast = request.atLeast?.(view);
    bounded = atLeast !== undefined;
    return atLeast ?? request.count(view);
  };
  const system = messages[0]?.role === "system" ? 1 : 0;
  let keepFrom = Math.max(request.keepFrom, system);
  let view = viewOf(messages, system, keepFrom);
  let tokens = count(view);
  const room = contextSize - replyRoom(contextSize, request.maxTokens);
  // The last turn (the prompt being answered) is never dropped.
  const lastTurn = messages.findLastIndex((m) => m.role === "user");
  if (tokens > room && policy === "stop" && keepFrom < lastTurn) {
    return {
      kind: "refused",
      error: new ContextOverflowError(
        `the conversation no longer fits the context (${bounded ? "at least " : ""}${tokens} of ${contextSize} tokens, with room for the reply): ` +
          "/compact summarises it, /undo or /clear make room, /set context-policy drop leaves out the oldest turns",
      ),
    };
  }
  if (tokens > room && policy === "drop") {
    const target = Math.floor(room * REFILL);
    while (tokens > target) {
      const next = nextTurn(messages, keepFrom);
      if (next === -1 || next > lastTurn || keepFrom >= lastTurn) break;
      keepFrom = next;
      view = viewOf(messages, system, keepFrom);
      tokens = count(view);
    }
  }
  if (tokens >= contextSize) {
    return {
      kind: "refused",
      error: new ContextOverflowError(
        `the prompt takes ${bounded ? "at least " : ""}${tokens} tokens but the context holds ${contextSize}: ` +
          "shorten it or raise --context-size",
      ),
    };
  }
  return { kind: "fits", view, keepFrom: keepFrom > system ? keepFrom : request.keepFrom };
}
