/**
 * The chat controller: runs replies on the session and turns its events into screen actions.
 * Tokens are gathered in a buffer and handed to the screen on a timer, so painting never holds
 * generation back: a token event costs a string append, and every frame (reconcile, layout,
 * paint, and the terminal's own work to show it) takes CPU the model's decoding needs. A slow
 * model gets 20 frames a second; a fast one, whose text arrives in bursts anyway, gets 10.
 */
import { useCallback, useRef } from "react";
import type { ChatListener, DoneEvent } from "../../chat/events.js";
import type { ChatSession } from "../../chat/session.js";
import { ParleyError } from "../../errors.js";
import type { LiveLimit } from "../chunking.js";
import type { ScreenAction } from "../screen-state.js";

export const FRAME_MS = 50;
export const BUSY_FRAME_MS = 100;
/** Token events in one frame above which the model counts as fast (here 160 a second). */
const BUSY_TOKENS = 8;

export type ReplyKind = "send" | "retry" | "continue";

export interface ChatController {
  run(kind: ReplyKind, text?: string): void;
  abort(): void;
  lastDone(): DoneEvent | undefined;
}

export function useChat(
  session: ChatSession | undefined,
  dispatch: (action: ScreenAction) => void,
  liveLimit: () => LiveLimit,
): ChatController {
  const pending = useRef({ content: "", reasoning: "", events: 0 });
  const frameMs = useRef(FRAME_MS);
  const timer = useRef<NodeJS.Timeout | undefined>(undefined);
  const last = useRef<DoneEvent | undefined>(undefined);

  const flush = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = undefined;
    const { content, reasoning, events } = pending.current;
    if (!content && !reasoning) return;
    frameMs.current = events > BUSY_TOKENS ? BUSY_FRAME_MS : FRAME_MS;
    pending.current = { content: "", reasoning: "", events: 0 };
    dispatch({ type: "reply-text", content, reasoning, limit: liveLimit() });
  }, [dispatch, liveLimit]);

  const run = useCallback(
    (kind: ReplyKind, text?: string) => {
      if (!session || session.generating) return;
      frameMs.current = FRAME_MS;
      let reported = false;
      const listener: ChatListener = (event) => {
        switch (event.type) {
          case "start":
            return;
          case "token":
          case "reasoning":
            if (event.type === "token") pending.current.content += event.text;
            else pending.current.reasoning += event.text;
            pending.current.events++;
            timer.current ??= setTimeout(flush, frameMs.current);
            return;
          case "done":
            flush();
            reported = true;
            last.current = event;
            dispatch({
              type: "reply-end",
              outcome: event.interrupted ? "interrupted" : event.finishReason,
              last: {
                completionTokens: event.usage.completion_tokens,
                tokensPerSecond: event.timings.predicted_per_second,
              },
              contextUsed: session.contextTokens(),
            });
            return;
          case "error":
            flush();
            reported = true;
            dispatch({
              type: "reply-end",
              outcome: "error",
              error: event.error.message,
              contextUsed: session.contextTokens(),
            });
            return;
        }
      };
      dispatch({ type: "reply-start" });
      const reply =
        kind === "send"
          ? session.send(text ?? "", listener)
          : kind === "retry"
            ? session.retry(listener)
            : session.continue(listener);
      reply.catch((err: unknown) => {
        if (reported) return;
        const message = err instanceof ParleyError ? err.message : String(err);
        dispatch({ type: "reply-end", outcome: "error", error: message, contextUsed: session.contextTokens() });
      });
    },
    [session, dispatch, flush],
  );

  const abort = useCallback(() => session?.abort(), [session]);
  const lastDone = useCallback(() => last.current, []);
  return { run, abort, lastDone };
}
