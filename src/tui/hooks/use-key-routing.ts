/**
 * What each key does, given what is happening: Ctrl+C and Esc stop a reply first, then Ctrl+C
 * clears the input, then asks for a second press to exit. Enter sends or runs a slash command.
 */
import { useRef } from "react";
import type { Conversation, InputHistory } from "../../core/index.js";
import { completeCommand, isCommand, runCommand } from "../commands/dispatch.js";
import type { CommandContext } from "../commands/types.js";
import { EMPTY_EDITOR, deleteForward, editorWith } from "../editor.js";
import type { KeyEvent } from "../keys.js";
import type { ScreenAction } from "../screen-state.js";
import type { ChatController } from "./use-chat.js";
import type { PromptEditor } from "./use-prompt-editor.js";

export const EXIT_WINDOW_MS = 2000;

export interface KeyRoutingDeps {
  session: Conversation | undefined;
  chat: ChatController;
  prompt: PromptEditor;
  history: InputHistory | undefined;
  dispatch: (action: ScreenAction) => void;
  commandContext: () => CommandContext | undefined;
  exit: () => void;
}

export function useKeyRouting(deps: KeyRoutingDeps): (event: KeyEvent) => void {
  const armedAt = useRef<number | undefined>(undefined);
  const disarmTimer = useRef<NodeJS.Timeout | undefined>(undefined);

  const disarm = (): void => {
    if (armedAt.current === undefined) return;
    armedAt.current = undefined;
    clearTimeout(disarmTimer.current);
    deps.dispatch({ type: "exit-armed", armed: false });
  };

  const submit = (): void => {
    const { prompt, session, dispatch } = deps;
    const text = prompt.current().text;
    if (text.endsWith("\\")) {
      prompt.set(editorWith(`${text.slice(0, -1)}\n`));
      return;
    }
    if (text.trim() === "") return;
    const ctx = deps.commandContext();
    if (!session || !ctx) {
      dispatch({ type: "hint", text: "the model is still loading" });
      return;
    }
    if (session.generating) {
      dispatch({ type: "hint", text: "a reply is being written: wait, or press Esc to stop it" });
      return;
    }
    prompt.remember(text);
    deps.history?.add(text);
    prompt.set(EMPTY_EDITOR);
    dispatch({ type: "hint", text: undefined });
    if (isCommand(text)) {
      runCommand(text.trim(), ctx);
      return;
    }
    dispatch({ type: "add", item: { kind: "message", role: "user", text } });
    deps.chat.run("send", text);
  };

  const complete = (): void => {
    const { text, candidates } = completeCommand(deps.prompt.current().text);
    if (text !== undefined) deps.prompt.set(editorWith(text));
    deps.dispatch({ type: "hint", text: candidates.length > 1 ? candidates.join("  ") : undefined });
  };

  const interrupt = (): void => {
    const { session, prompt } = deps;
    if (session?.generating) return deps.chat.abort();
    if (prompt.current().text !== "") return prompt.set(EMPTY_EDITOR);
    if (armedAt.current !== undefined && Date.now() - armedAt.current <= EXIT_WINDOW_MS) return deps.exit();
    armedAt.current = Date.now();
    deps.dispatch({ type: "exit-armed", armed: true });
    clearTimeout(disarmTimer.current);
    disarmTimer.current = setTimeout(disarm, EXIT_WINDOW_MS);
  };

  return (event: KeyEvent): void => {
    if (event.type !== "interrupt") disarm();
    switch (event.type) {
      case "interrupt":
        return interrupt();
      case "escape":
        if (deps.session?.generating) deps.chat.abort();
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
      case "paste-start":
      case "paste-end":
      case "ignored":
        return;
    }
  };
}
