/**
 * Showing the conversation as it now is: after /undo, /retry and /continue the terminal is
 * cleared and the transcript printed again, so what is on screen is what the model sees.
 */
import type { Ending } from "../../chat/types.js";
import type { Conversation } from "../../core/index.js";
import { CLEAR_SCREEN } from "../commands/types.js";
import type { ScreenAction } from "../screen-state.js";
import { showMessages, type ShowOptions } from "../show-messages.js";
import { continuable, type ChatController, type ReplyKind } from "./use-chat.js";

export interface ConversationView {
  /**
   * Clears the terminal and shows the conversation as it now is, then the notices given on the
   * way. `lastEnd` is how the last reply ended, when just known.
   */
  showConversation: (notices?: readonly string[], lastEnd?: Ending | null) => void;
  /** /retry and /continue: a reply through the chat controller, the screen redrawn around it. */
  startReply: (kind: ReplyKind) => void;
}

export function useConversationView(
  session: Conversation | undefined,
  chat: ChatController,
  dispatch: (action: ScreenAction) => void,
  writeTerminal: (sequence: string) => void,
  /** How messages are shown now (/markdown and /reasoning change it). */
  show: () => ShowOptions,
): ConversationView {
  const showConversation = (notices: readonly string[] = [], lastEnd?: Ending | null): void => {
    if (!session) return;
    let messages = session.messages;
    const tail = messages.at(-1);
    if (lastEnd !== undefined && tail?.role === "assistant") {
      const shown = { ...tail };
      if (lastEnd === null) delete shown.end;
      else shown.end = lastEnd;
      messages = [...messages.slice(0, -1), shown];
    }
    writeTerminal(CLEAR_SCREEN);
    dispatch({ type: "clear" });
    showMessages(dispatch, messages, show());
    dispatch({ type: "context", used: session.contextTokens(), continuable: continuable(session) });
    for (const text of notices) dispatch({ type: "add", item: { kind: "notice", level: "info", text } });
  };

  const startReply = (kind: ReplyKind): void => {
    if (!session) return;
    if (kind === "retry" && session.canContinue && session.messages.some((m) => m.role === "user")) {
      // The reply to be replaced goes away before the new one is written.
      const shown = session.messages.slice(0, -1);
      writeTerminal(CLEAR_SCREEN);
      dispatch({ type: "clear" });
      showMessages(dispatch, shown, show());
    }
    chat.run(kind, undefined, (end) => {
      if (kind === "retry" && !end.ok) {
        // Nothing was written: the old reply is still the conversation's; show it again.
        showConversation(end.notices);
        if (end.error !== undefined)
          dispatch({ type: "add", item: { kind: "notice", level: "error", text: end.error } });
      }
      if (kind === "continue" && end.ok && end.reply) {
        // The continuation is shown as part of the reply it continues.
        const how = end.reply.message.end ?? null;
        showConversation(end.notices, how);
      }
    });
  };
  return { showConversation, startReply };
}
