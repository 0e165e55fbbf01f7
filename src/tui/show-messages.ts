/** Puts a conversation's messages into the transcript (at start, or after /resume). */
import type { Message } from "../chat/types.js";
import type { ScreenAction } from "./screen-state.js";

export function showMessages(dispatch: (action: ScreenAction) => void, messages: readonly Message[]): void {
  for (const m of messages) {
    dispatch(
      m.role === "assistant"
        ? { type: "add", item: { kind: "reply", text: m.content, first: true, gap: false, markdown: false } }
        : { type: "add", item: { kind: "message", role: m.role, text: m.content } },
    );
  }
}
