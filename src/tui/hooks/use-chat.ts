/**
 * The chat controller: runs replies on the conversation and turns its events into screen
 * actions. Tokens are gathered in a buffer and handed to the screen on a timer, so painting
 * never holds generation back: a token event costs a string append, and every frame
 * (reconcile, layout, paint, and the terminal's own work to show it) takes CPU the model's
 * decoding needs. A slow model gets 20 frames a second; a fast one, whose text arrives in
 * bursts anyway, gets 10.
 */
import { useCallback, useEffect, useRef } from "react";
import type { ChatEvent, Reply } from "../../chat/events.js";
import type { Conversation } from "../../core/index.js";
import type { LiveLimit } from "../chunking.js";
import { NEARLY_FULL } from "../format.js";
import type { KeyEvent } from "../keys.js";
import type { ScreenAction } from "../screen-state.js";
import type { ToolBox } from "../../tools/index.js";
import { answerLeftovers } from "../tool-turn.js";
import { useToolCalls, type ToolOptions } from "./use-tool-calls.js";

export const FRAME_MS = 50;
export const BUSY_FRAME_MS = 100;
/** Token events in one frame above which the model counts as fast (here 160 a second). */
const BUSY_TOKENS = 8;

export type ReplyKind = "send" | "retry" | "continue";

/** How a reply ended, for what the screen does next (send a queued message, redraw). */
export interface ReplyEnd {
  kind: ReplyKind;
  ok: boolean;
  reply?: Reply | undefined;
  error?: string | undefined;
  /** Notices shown while it ran (a redraw prints them again). */
  notices: string[];
}

export interface ChatController {
  run(kind: ReplyKind, text?: string, onEnd?: (end: ReplyEnd) => void): void;
  abort(): void;
  lastDone(): Reply | undefined;
  /** A turn is under way: a reply is written, a tool call is asked about or runs, or the next reply comes. */
  busy(): boolean;
  /** A tool call waits for a yes or no. */
  asking(): boolean;
  /** A key while a tool call waits for its answer. */
  answerKey(event: KeyEvent): void;
}

export interface ChatOptions {
  /** A prompt that could not be answered goes back into the input box. */
  giveBack?: (text: string) => void;
  /** Called after every reply ends, once the screen has been told. */
  onEnd?: (end: ReplyEnd) => void;
  /** How tool calls are run (--yes, the working folder). */
  tools?: ToolOptions;
}

/**
 * Whether /continue can carry the conversation's last reply on: it was cut or interrupted, and
 * the context has room left to write more (a full one would give a token or two, or a refusal).
 */
export function continuable(conversation: Conversation): boolean {
  if (!conversation.canContinue || conversation.messages.at(-1)?.end === undefined) return false;
  const size = conversation.info.contextSize;
  return size <= 0 || conversation.contextTokens() < size * NEARLY_FULL;
}

export function useChat(
  conversation: Conversation | undefined,
  dispatch: (action: ScreenAction) => void,
  liveLimit: () => LiveLimit,
  options: ChatOptions = {},
): ChatController {
  const pending = useRef({ content: "", reasoning: "", events: 0 });
  const frameMs = useRef(FRAME_MS);
  const timer = useRef<NodeJS.Timeout | undefined>(undefined);
  const last = useRef<Reply | undefined>(undefined);
  const stats = useRef({ tokens: 0, since: 0 });
  const opts = useRef(options);
  opts.current = options;
  const busy = useRef(false);
  const tools = useToolCalls(dispatch, options.tools ?? { yes: false, cwd: process.cwd() });
  // Once the screen is gone (Ctrl+D, /exit, SIGTERM) nothing more is sent: a message still
  // queued behind the reply that was stopped is dropped, not sent to a model being let go.
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const flush = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = undefined;
    const { content, reasoning, events } = pending.current;
    if (!content && !reasoning) return;
    frameMs.current = events > BUSY_TOKENS ? BUSY_FRAME_MS : FRAME_MS;
    pending.current = { content: "", reasoning: "", events: 0 };
    const { tokens, since } = stats.current;
    const seconds = since > 0 ? (performance.now() - since) / 1000 : 0;
    // The rate counts from the first token, so it is the writing speed, not the prompt's.
    const tokensPerSecond = tokens > 1 && seconds > 0 ? (tokens - 1) / seconds : 0;
    dispatch({ type: "reply-text", content, reasoning, limit: liveLimit(), tokens, tokensPerSecond });
  }, [dispatch, liveLimit]);

  const run = useCallback(
    (kind: ReplyKind, text?: string, onEnd?: (end: ReplyEnd) => void) => {
      if (!conversation || busy.current || conversation.generating || !mounted.current) return;
      frameMs.current = FRAME_MS;
      stats.current = { tokens: 0, since: 0 };
      const notices: string[] = [];
      let box: ToolBox;
      try {
        box = tools.offer(conversation);
        if (kind === "send") answerLeftovers(conversation, dispatch);
      } catch (err) {
        dispatch({ type: "add", item: { kind: "notice", level: "error", text: (err as Error).message } });
        return;
      }
      busy.current = true;
      let round = 0;
      const ended = (end: ReplyEnd): void => {
        busy.current = false;
        onEnd?.(end);
        opts.current.onEnd?.(end);
      };
      /** The reply's tool calls answered, the next reply is asked for; or the turn ends here. */
      const answerCalls = async (reply: Reply): Promise<void> => {
        let next: "next" | "stopped";
        try {
          next = await tools.answer(conversation, box, ++round);
        } catch (err) {
          const message = (err as Error).message;
          dispatch({ type: "reply-end", outcome: "error", error: message, contextUsed: conversation.contextTokens() });
          return ended({ kind, ok: false, error: message, notices });
        }
        if (next === "next" && mounted.current) return consume(conversation.respond(undefined));
        dispatch({ type: "reply-end", outcome: "stop", contextUsed: conversation.contextTokens() });
        ended({ kind, ok: true, reply, notices });
      };
      const handle = (event: ChatEvent): void => {
        switch (event.type) {
          case "start":
          case "tool-call":
            return;
          case "prompt":
            dispatch({ type: "reply-prompt", tokens: event.tokens, contextSize: event.contextSize });
            return;
          case "notice":
            notices.push(event.text);
            dispatch({ type: "add", item: { kind: "notice", level: "info", text: event.text } });
            return;
          case "token":
          case "reasoning":
            if (event.type === "token") pending.current.content += event.text;
            else pending.current.reasoning += event.text;
            pending.current.events++;
            if (stats.current.tokens === 0) stats.current.since = performance.now();
            stats.current.tokens++;
            timer.current ??= setTimeout(flush, frameMs.current);
            return;
          case "done": {
            flush();
            const reply = event.reply;
            if (reply) last.current = reply;
            const calls = reply !== undefined && conversation.pendingToolCalls.length > 0;
            dispatch({
              type: "reply-end",
              outcome: !reply ? "stop" : (reply.message.end ?? "stop"),
              ...(reply
                ? {
                    last: {
                      completionTokens: reply.usage.completion_tokens,
                      tokensPerSecond: reply.timings.predicted_per_second,
                      ...(reply.estimated ? { estimated: true } : {}),
                    },
                  }
                : {}),
              // A reply says what it leaves in the context; other operations are counted.
              contextUsed: event.context?.used ?? conversation.contextTokens(),
              continuable: continuable(conversation),
              toolsFollow: calls,
            });
            if (calls && reply) {
              void answerCalls(reply);
              return;
            }
            ended({ kind, ok: true, reply, notices });
            return;
          }
          case "error":
            flush();
            dispatch({
              type: "reply-end",
              outcome: "error",
              error: event.error.message,
              contextUsed: conversation.contextTokens(),
              notSent: event.prompt !== undefined,
              continuable: continuable(conversation),
            });
            if (event.prompt !== undefined) opts.current.giveBack?.(event.prompt);
            ended({ kind, ok: false, error: event.error.message, notices });
            return;
        }
      };
      const consume = (events: AsyncIterable<ChatEvent>): void => {
        dispatch({ type: "reply-start" });
        stats.current = { tokens: 0, since: 0 };
        void (async () => {
          for await (const event of events) handle(event);
        })();
      };
      consume(
        kind === "send"
          ? conversation.send(text ?? "")
          : kind === "retry"
            ? conversation.retry()
            : conversation.continue(),
      );
    },
    [conversation, dispatch, flush, tools],
  );

  const abort = useCallback(() => {
    // A tool call asked about or running is stopped first; between them, nothing else runs.
    if (tools.asking() || tools.active()) return tools.stop();
    conversation?.abort();
  }, [conversation, tools]);
  const lastDone = useCallback(() => last.current, []);
  // Another operation of the conversation (a /model or /resume that loads) counts too.
  const isBusy = useCallback(() => busy.current || conversation?.generating === true, [conversation]);
  return { run, abort, lastDone, busy: isBusy, asking: tools.asking, answerKey: tools.key };
}
