/**
 * The chat controller: runs replies on the conversation and turns its events into screen
 * actions. Tokens are gathered in a buffer and handed to the screen on a timer, so painting
 * never holds generation back: a token event costs a string append, and every frame
 * (reconcile, layout, paint, and the terminal's own work to show it) takes CPU the model's
 * decoding needs. A slow model gets 20 frames a second; a fast one, whose text arrives in
 * bursts anyway, gets 10.
 */
import { useCallback, useRef } from "react";
import type { ChatEvent, Reply } from "../../chat/events.js";
import type { Conversation } from "../../core/index.js";
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
  lastDone(): Reply | undefined;
}

export function useChat(
  conversation: Conversation | undefined,
  dispatch: (action: ScreenAction) => void,
  liveLimit: () => LiveLimit,
  /** A prompt that could not be answered goes back into the input box. */
  giveBack?: (text: string) => void,
): ChatController {
  const pending = useRef({ content: "", reasoning: "", events: 0 });
  const frameMs = useRef(FRAME_MS);
  const timer = useRef<NodeJS.Timeout | undefined>(undefined);
  const last = useRef<Reply | undefined>(undefined);

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
      if (!conversation || conversation.generating) return;
      frameMs.current = FRAME_MS;
      const handle = (event: ChatEvent): void => {
        switch (event.type) {
          case "start":
          case "prompt":
            return;
          case "notice":
            dispatch({ type: "add", item: { kind: "notice", level: "info", text: event.text } });
            return;
          case "token":
          case "reasoning":
            if (event.type === "token") pending.current.content += event.text;
            else pending.current.reasoning += event.text;
            pending.current.events++;
            timer.current ??= setTimeout(flush, frameMs.current);
            return;
          case "done": {
            flush();
            const reply = event.reply;
            if (reply) last.current = reply;
            dispatch({
              type: "reply-end",
              outcome: !reply ? "stop" : reply.interrupted ? "interrupted" : reply.finishReason,
              ...(reply
                ? {
                    last: {
                      completionTokens: reply.usage.completion_tokens,
                      tokensPerSecond: reply.timings.predicted_per_second,
                    },
                  }
                : {}),
              contextUsed: conversation.contextTokens(),
            });
            return;
          }
          case "error":
            flush();
            dispatch({
              type: "reply-end",
              outcome: "error",
              error: event.error.message,
              contextUsed: conversation.contextTokens(),
            });
            if (event.prompt !== undefined) giveBack?.(event.prompt);
            return;
        }
      };
      dispatch({ type: "reply-start" });
      const events =
        kind === "send"
          ? conversation.send(text ?? "")
          : kind === "retry"
            ? conversation.retry()
            : conversation.continue();
      void (async () => {
        for await (const event of events) handle(event);
      })();
    },
    [conversation, dispatch, flush, giveBack],
  );

  const abort = useCallback(() => conversation?.abort(), [conversation]);
  const lastDone = useCallback(() => last.current, []);
  return { run, abort, lastDone };
}
