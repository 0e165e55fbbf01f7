/** Puts a conversation's messages into the transcript (at start, or after /resume). */
import type { Message } from "../chat/types.js";
import { OUTCOME_MARKERS, type ScreenAction } from "./screen-state.js";

/** A message as shown again: a saved reply that was cut or interrupted keeps its mark (`end`). */
export type ShownMessage = Message;

export interface ShowOptions {
  /** Render replies as Markdown, as new ones are (default: on). */
  markdown?: boolean;
  /** Show reasoning in full rather than as one collapsed row. */
  showReasoning?: boolean;
}

export function showMessages(
  dispatch: (action: ScreenAction) => void,
  messages: readonly ShownMessage[],
  options: ShowOptions = {},
): void {
  const markdown = options.markdown ?? true;
  for (const m of messages) {
    if (m.role !== "assistant") {
      dispatch({ type: "add", item: { kind: "message", role: m.role, text: m.content } });
      continue;
    }
    const reasoning = m.reasoning?.trim() ?? "";
    if (reasoning !== "") {
      dispatch({ type: "add", item: { kind: "reasoning", text: reasoning, collapsed: !options.showReasoning } });
    }
    if (m.content.trim() !== "" || reasoning === "") {
      const text = m.content.replace(/\s+$/, "");
      dispatch({
        type: "add",
        item: { kind: "reply", text, first: reasoning === "", gap: reasoning !== "", markdown },
      });
    }
    const marker = m.end ? OUTCOME_MARKERS[m.end] : undefined;
    if (marker) dispatch({ type: "add", item: { kind: "marker", text: marker } });
  }
}
