/**
 * The chat screen's side of tool calls: which tools the conversation offers (the `tools`
 * setting, read again before each message so `/preset` changes them), the question asked before
 * each call and its keys, and stopping a call that runs.
 */
import { useCallback, useMemo, useRef } from "react";
import { isBuiltinToolName, type BuiltinToolName } from "../../chat/tool-names.js";
import type { ToolSet } from "../../chat/types.js";
import type { Conversation } from "../../core/index.js";
import { ToolBox } from "../../tools/index.js";
import type { KeyEvent } from "../keys.js";
import type { ScreenAction } from "../screen-state.js";
import { ASK_HINT, askKey } from "../tool-approval.js";
import { answerToolCalls, MAX_TOOL_ROUNDS, type Answer, type TurnEnd } from "../tool-turn.js";

export interface ToolOptions {
  /** --yes: read_file calls run without asking (never shell). */
  yes: boolean;
  /** The working folder: read_file reads under it, shell runs in it. */
  cwd: string;
}

export interface ToolCalls {
  /** Sets the tools the conversation offers for the next message; the tool box that runs them. */
  offer: (conversation: Conversation) => ToolBox;
  /** Answers the last reply's calls (the `round`-th round of this message); `next` asks for the next reply. */
  answer: (conversation: Conversation, tools: ToolBox, round: number) => Promise<TurnEnd>;
  /** Whether a question waits for its answer. */
  asking: () => boolean;
  /** A key while a question waits: an answer, or a hint saying which keys answer. */
  key: (event: KeyEvent) => void;
  /** Esc or Ctrl+C: the question is answered no and the turn stops; a running call is stopped. */
  stop: () => void;
  /** Whether a question waits or a call runs (Esc stops that, not a reply). */
  active: () => boolean;
}

function namesOf(conversation: Conversation): BuiltinToolName[] {
  const value = conversation.settings.get("tools");
  return Array.isArray(value) ? value.filter(isBuiltinToolName) : [];
}

export function useToolCalls(dispatch: (action: ScreenAction) => void, options: ToolOptions): ToolCalls {
  const question = useRef<{ shownAt: number; resolve: (answer: Answer) => void } | undefined>(undefined);
  const running = useRef<AbortController | undefined>(undefined);
  const offered = useRef<ToolSet | undefined>(undefined);
  const opts = useRef(options);
  opts.current = options;

  const offer = useCallback((conversation: Conversation): ToolBox => {
    const box = new ToolBox(namesOf(conversation));
    if (!box.empty) {
      offered.current = { tools: box.definitions() };
      conversation.setTools(offered.current);
    } else if (offered.current !== undefined && conversation.tools === offered.current) {
      // Tools given another way (a --messages request body) are left as they are.
      conversation.setTools(undefined);
      offered.current = undefined;
    }
    return box;
  }, []);

  const ask = useCallback(
    (text: string): Promise<Answer> =>
      new Promise((resolve) => {
        const shownAt = performance.now();
        question.current = { shownAt, resolve };
        dispatch({ type: "asking", asking: { text, shownAt } });
      }),
    [dispatch],
  );

  const settle = useCallback(
    (answer: Answer): void => {
      const q = question.current;
      if (!q) return;
      question.current = undefined;
      dispatch({ type: "asking", asking: undefined });
      q.resolve(answer);
    },
    [dispatch],
  );

  const answer = useCallback(
    async (conversation: Conversation, tools: ToolBox, round: number): Promise<TurnEnd> => {
      const allowed = round <= MAX_TOOL_ROUNDS;
      if (!allowed) {
        dispatch({
          type: "add",
          item: {
            kind: "notice",
            level: "info",
            text: `stopped: ${MAX_TOOL_ROUNDS} rounds of tool calls for one message; send a message to go on`,
          },
        });
      }
      const controller = new AbortController();
      running.current = controller;
      try {
        return await answerToolCalls({
          conversation,
          tools,
          yes: opts.current.yes,
          cwd: opts.current.cwd,
          dispatch,
          ask,
          signal: controller.signal,
          allowed,
        });
      } finally {
        running.current = undefined;
      }
    },
    [ask, dispatch],
  );

  const key = useCallback(
    (event: KeyEvent): void => {
      const q = question.current;
      if (!q) return;
      const got = askKey(event, q.shownAt, performance.now());
      if (got === "other") {
        dispatch({ type: "hint", text: ASK_HINT });
        return;
      }
      settle(got);
    },
    [dispatch, settle],
  );

  const stop = useCallback((): void => {
    if (question.current) settle("stop");
    running.current?.abort();
  }, [settle]);

  const asking = useCallback(() => question.current !== undefined, []);
  const active = useCallback(() => running.current !== undefined, []);
  return useMemo(() => ({ offer, answer, asking, key, stop, active }), [offer, answer, asking, key, stop, active]);
}
