/**
 * Answering the tool calls of a reply in the chat screen: each call is shown in full as a row,
 * asked about (unless `--yes` covers it: never for shell), run, and its result added to the
 * conversation as a `tool` message and shown as a row of its own. A no is a result too: the
 * model is told the user declined.
 */
import { DECLINED, type ToolBox, type ToolCallRequest, type ToolOutcome } from "../tools/index.js";
import type { ScreenAction } from "./screen-state.js";

/** The most replies with tool calls answered for one message of the person's. */
export const MAX_TOOL_ROUNDS = 8;

/** The result of a call left unanswered because the person stopped the turn. */
export const STOPPED = "not run: the user stopped the tool calls";

/** The result of a call a resumed conversation left without one (the chat ended while it was asked about). */
export const LEFT_UNANSWERED = "not run: the chat ended before this call was answered";

/** The result of a call beyond the rounds allowed for one message. */
export const TOO_MANY_ROUNDS = `not run: the limit of ${MAX_TOOL_ROUNDS} rounds of tool calls for one message was reached`;

/** Whether a saved result was a call that ran (not refused, declined or left out), for how it is shown. */
export function resultOk(content: string): boolean {
  return !content.startsWith("error: ") && content !== DECLINED && !content.startsWith("not run: ");
}

/** What the turn needs of the conversation (core's `Conversation`). */
export interface ToolConversation {
  readonly pendingToolCalls: readonly { id: string; function: { name: string; arguments: string } }[];
  addToolResult(id: string, content: string): void;
}

export type Answer = "yes" | "no" | "stop";

export interface ToolTurn {
  conversation: ToolConversation;
  tools: ToolBox;
  /** --yes: calls of tools that allow it run without asking. */
  yes: boolean;
  cwd: string;
  dispatch: (action: ScreenAction) => void;
  /** Shows the question and waits for the answer. */
  ask: (text: string) => Promise<Answer>;
  /** Aborts a running call (Esc, Ctrl+C). */
  signal: AbortSignal;
  /** false: answer every call with `refusedWith` without asking (the rounds are used up). */
  allowed?: boolean;
  refusedWith?: string;
}

/** How the calls were answered: `next` asks for the next reply; `stopped` ends the turn. */
export type TurnEnd = "next" | "stopped";

function requestOf(call: ToolConversation["pendingToolCalls"][number]): ToolCallRequest {
  return { id: call.id, name: call.function.name, arguments: call.function.arguments };
}

async function outcomeOf(
  turn: ToolTurn,
  call: ToolCallRequest,
  text: string,
  stopped: boolean,
): Promise<ToolOutcome & { stop?: boolean }> {
  if (turn.allowed === false) return { ok: false, content: turn.refusedWith ?? TOO_MANY_ROUNDS };
  const refusal = turn.tools.refusal(call);
  if (refusal) return refusal;
  if (stopped || turn.signal.aborted) return { ok: false, content: STOPPED, stop: true };
  if (turn.tools.needsAsking(call, turn.yes)) {
    const answer = await turn.ask(text);
    if (answer === "stop") return { ok: false, content: DECLINED, stop: true };
    if (answer === "no") return { ok: false, content: DECLINED };
  } else {
    turn.dispatch({ type: "add", item: { kind: "marker", text: "[run without asking: --yes]" } });
  }
  turn.dispatch({ type: "tool-running", name: call.name });
  try {
    const outcome = await turn.tools.run(call, { cwd: turn.cwd, signal: turn.signal });
    return turn.signal.aborted ? { ...outcome, stop: true } : outcome;
  } finally {
    turn.dispatch({ type: "tool-running", name: undefined });
  }
}

/** Answers every call of the last reply that waits for its result, in order. */
export async function answerToolCalls(turn: ToolTurn): Promise<TurnEnd> {
  let stopped = false;
  for (const pending of [...turn.conversation.pendingToolCalls]) {
    const call = requestOf(pending);
    const text = turn.tools.describe(call);
    turn.dispatch({ type: "add", item: { kind: "tool-call", text } });
    const outcome = await outcomeOf(turn, call, text, stopped);
    if (outcome.stop) stopped = true;
    turn.conversation.addToolResult(call.id, outcome.content);
    turn.dispatch({
      type: "add",
      item: { kind: "tool-result", name: call.name, text: outcome.content, ok: outcome.ok },
    });
  }
  return stopped || turn.allowed === false ? "stopped" : "next";
}

/** Calls an earlier chat left without results get one (never run), so the conversation can go on. */
export function answerLeftovers(conversation: ToolConversation, dispatch: (action: ScreenAction) => void): void {
  for (const call of [...conversation.pendingToolCalls]) {
    conversation.addToolResult(call.id, LEFT_UNANSWERED);
    dispatch({
      type: "add",
      item: { kind: "tool-result", name: call.function.name, text: LEFT_UNANSWERED, ok: false },
    });
  }
}
