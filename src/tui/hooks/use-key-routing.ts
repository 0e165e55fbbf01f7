/**
 * What each key does, given what is happening: Ctrl+C and Esc stop a reply first, then Ctrl+C
 * clears the input, then asks for a second press to exit. Enter sends or runs a slash command.
 * The send queue (use-send-queue), Ctrl+R search (use-history-search) and Tab completion
 * (input/complete) live in their own files.
 */
import { useRef } from "react";
import type { Conversation, InputHistory } from "../../core/index.js";
import { runCommand } from "../commands/dispatch.js";
import type { CommandContext } from "../commands/types.js";
import { EMPTY_EDITOR, deleteForward, editorWith } from "../editor.js";
import type { Attachment } from "../input/attachments.js";
import { classifyInput } from "../input/classify.js";
import { completeInput } from "../input/complete.js";
import type { KeyEvent } from "../keys.js";
import { BUSY_HINT, type ScreenAction } from "../screen-state.js";
import type { ChatController, ReplyEnd } from "./use-chat.js";
import { useHistorySearch } from "./use-history-search.js";
import type { PromptEditor } from "./use-prompt-editor.js";
import { useSendQueue } from "./use-send-queue.js";
import type { Terminal } from "./use-terminal.js";

export const EXIT_WINDOW_MS = 2000;

export interface KeyRoutingDeps {
  session: Conversation | undefined;
  chat: ChatController;
  prompt: PromptEditor;
  history: InputHistory | undefined;
  dispatch: (action: ScreenAction) => void;
  commandContext: () => CommandContext | undefined;
  exit: () => void;
  terminal: Terminal;
  cwd: string;
  /** Files attached with /file, sent with the next message. */
  attachments: { current: Attachment[] };
}

export interface KeyRouting {
  onKey: (event: KeyEvent) => void;
  /** After each reply: sends the next queued message, or gives the queue back if the reply failed. */
  afterReply: (end: ReplyEnd) => void;
}

export function useKeyRouting(deps: KeyRoutingDeps): KeyRouting {
  const armedAt = useRef<number | undefined>(undefined);
  const disarmTimer = useRef<NodeJS.Timeout | undefined>(undefined);
  const afterCtrlX = useRef(false);
  const queue = useSendQueue(deps);
  const search = useHistorySearch(deps.prompt, deps.dispatch);

  const disarm = (): void => {
    if (armedAt.current === undefined) return;
    armedAt.current = undefined;
    clearTimeout(disarmTimer.current);
    deps.dispatch({ type: "exit-armed", armed: false });
  };

  /** The typed text leaves the input box, remembered for ↑ and the history file. */
  const take = (typed: string): void => {
    deps.prompt.remember(typed);
    deps.history?.add(typed);
    deps.prompt.set(EMPTY_EDITOR);
    deps.dispatch({ type: "hint", text: undefined });
  };

  const submit = (): void => {
    const { prompt, session, dispatch } = deps;
    const typed = prompt.current().text;
    const what = classifyInput(typed);
    if (what.kind === "newline") return prompt.set(editorWith(what.text));
    if (what.kind === "empty") return;
    const ctx = deps.commandContext();
    if (!session || !ctx) {
      dispatch({ type: "hint", text: "the model is still loading" });
      return;
    }
    if (deps.chat.busy()) {
      if (what.kind === "command") {
        dispatch({ type: "hint", text: BUSY_HINT });
        return;
      }
      // A message typed while a reply is written waits for it, shown as queued.
      take(typed);
      queue.add(what.text);
      return;
    }
    if (what.kind === "command") {
      take(typed);
      // Messages typed while it runs (a /model or /resume that loads) are sent when it ends.
      void runCommand(what.text, ctx).then(() => {
        if (!deps.chat.busy()) queue.afterCommand();
      });
      return;
    }
    const attached = queue.attachmentsFor(what.text);
    // The prompt stays in the input, to fix the path.
    if (!attached) return;
    take(typed);
    queue.send(what.text, attached);
  };

  /** Esc or Ctrl+C while a reply is written: a queued message is taken back first, then the reply stops. */
  const stopReply = (): void => {
    if (queue.unqueue(undefined)) return;
    deps.chat.abort();
  };

  const complete = (): void => {
    const { editor, hint } = completeInput(deps.prompt.current(), deps.cwd);
    if (editor) deps.prompt.set(editor);
    deps.dispatch({ type: "hint", text: hint });
  };

  const interrupt = (): void => {
    const { session, prompt } = deps;
    if (deps.chat.busy()) return stopReply();
    if (prompt.current().text !== "") return prompt.set(EMPTY_EDITOR);
    // While the model loads (or the load waits for another parley) one press gives up.
    if (!session) return deps.exit();
    if (armedAt.current !== undefined && Date.now() - armedAt.current <= EXIT_WINDOW_MS) return deps.exit();
    armedAt.current = Date.now();
    deps.dispatch({ type: "exit-armed", armed: true });
    clearTimeout(disarmTimer.current);
    disarmTimer.current = setTimeout(disarm, EXIT_WINDOW_MS);
  };

  const onKey = (event: KeyEvent): void => {
    if (event.type !== "interrupt") disarm();
    if (afterCtrlX.current) {
      afterCtrlX.current = false;
      if (event.type === "move" && event.motion === "end") return deps.terminal.editInput(deps.prompt);
    }
    if (search.key(event)) return;
    // A tool call waits for a yes or no: keys answer it (Ctrl+L and Ctrl+Z still work).
    if (deps.chat.asking() && event.type !== "redraw" && event.type !== "suspend") return deps.chat.answerKey(event);
    switch (event.type) {
      case "interrupt":
        return interrupt();
      case "escape":
        if (deps.chat.busy()) stopReply();
        return;
      case "eof": {
        const editor = deps.prompt.current();
        if (editor.text === "") return deps.exit();
        deps.prompt.set(deleteForward(editor));
        return;
      }
      case "enter":
        return submit();
      case "tab":
        return complete();
      case "redraw":
        return deps.terminal.redraw();
      case "suspend":
        return deps.terminal.suspend();
      case "search":
        return search.start();
      case "prefix-x":
        afterCtrlX.current = true;
        return;
      case "text":
      case "newline":
      case "move":
      case "backspace":
      case "delete":
      case "delete-word":
      case "kill-start":
      case "kill-end":
        deps.prompt.edit(event);
        return;
      case "cancel":
      case "paste-start":
      case "paste-end":
      case "ignored":
        return;
    }
  };
  return { onKey, afterReply: queue.afterReply };
}
