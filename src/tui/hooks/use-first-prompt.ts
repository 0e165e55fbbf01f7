/** `-i "prompt"`: the first message is sent as soon as the model is loaded. */
import { useEffect, useRef } from "react";
import type { Conversation, InputHistory } from "../../core/index.js";
import type { ScreenAction } from "../screen-state.js";
import type { ChatController } from "./use-chat.js";
import type { PromptEditor } from "./use-prompt-editor.js";

export function useFirstPrompt(
  text: string | undefined,
  session: Conversation | undefined,
  chat: ChatController,
  prompt: PromptEditor,
  history: InputHistory | undefined,
  dispatch: (action: ScreenAction) => void,
): void {
  const first = useRef(text);
  useEffect(() => {
    const text = first.current;
    if (!session || text === undefined) return;
    first.current = undefined;
    history?.add(text);
    prompt.remember(text);
    dispatch({ type: "add", item: { kind: "message", role: "user", text } });
    chat.run("send", text);
  }, [session, chat, prompt, history, dispatch]);
}
