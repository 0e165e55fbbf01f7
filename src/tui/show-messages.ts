/** Puts a conversation's messages into the transcript (at start, or after /resume). */
import { BUILTIN_TOOL_NAMES } from "../chat/tool-names.js";
import type { Message } from "../chat/types.js";
import { ToolBox } from "../tools/index.js";
import { OUTCOME_MARKERS, type ScreenAction } from "./screen-state.js";
import { resultOk } from "./tool-turn.js";

/** Describes calls of any built-in tool, as they were asked about. */
const EVERY_TOOL = new ToolBox([...BUILTIN_TOOL_NAMES]);

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
  const callNames = new Map<string, string>();
  for (const m of messages) {
    if (m.role === "tool") {
      const name = callNames.get(m.tool_call_id ?? "") ?? "tool";
      dispatch({ type: "add", item: { kind: "tool-result", name, text: m.content, ok: resultOk(m.content) } });
      continue;
    }
    if (m.role !== "assistant") {
      dispatch({ type: "add", item: { kind: "message", role: m.role, text: m.content } });
      continue;
    }
    const reasoning = m.reasoning?.trim() ?? "";
    if (reasoning !== "") {
      dispatch({ type: "add", item: { kind: "reasoning", text: reasoning, collapsed: !options.showReasoning } });
    }
    const calls = m.tool_calls ?? [];
    if (m.content.trim() !== "" || (reasoning === "" && calls.length === 0)) {
      const text = m.content.replace(/\s+$/, "");
      dispatch({
        type: "add",
        item: { kind: "reply", text, first: reasoning === "", gap: reasoning !== "", markdown },
      });
    }
    for (const call of calls) {
      callNames.set(call.id, call.function.name);
      const text = EVERY_TOOL.describe({ id: call.id, name: call.function.name, arguments: call.function.arguments });
      dispatch({ type: "add", item: { kind: "tool-call", text } });
    }
    const marker = m.end ? OUTCOME_MARKERS[m.end] : undefined;
    if (marker) dispatch({ type: "add", item: { kind: "marker", text: marker } });
  }
}
