/** A saved conversation as a Chat Completion messages array (what `--messages` reads) or Markdown. */
import type { Message, Role, ToolCall } from "../chat/types.js";
import type { Conversation } from "./conversations.js";

export interface ExportedMessage {
  role: Role;
  /** null for an assistant message that only calls tools. */
  content: string | null;
  reasoning_content?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** The system prompt from the header (unless a system message opens the list), then every message. */
export function toChatMessages(c: Conversation): ExportedMessage[] {
  const out: ExportedMessage[] = [];
  const system = c.header?.system;
  if (system !== undefined && system !== "" && c.messages[0]?.role !== "system") {
    out.push({ role: "system", content: system });
  }
  for (const m of c.messages) {
    const calls = m.role === "assistant" && m.tool_calls?.length ? m.tool_calls : undefined;
    const message: ExportedMessage = { role: m.role, content: calls && m.content === "" ? null : m.content };
    if (m.role === "assistant" && m.reasoning) message.reasoning_content = m.reasoning;
    if (calls) message.tool_calls = calls;
    if (m.role === "tool" && m.tool_call_id !== undefined) message.tool_call_id = m.tool_call_id;
    out.push(message);
  }
  return out;
}

const HEADINGS: Record<Role, string> = { system: "System", user: "User", assistant: "Assistant", tool: "Tool" };

export function toMarkdown(c: Conversation): string {
  const parts = [`# ${c.title}`, "", `- id: \`${c.id}\``, `- model: ${c.model}`, `- created: ${c.created}`];
  for (const m of toChatMessages(c)) {
    parts.push("", `## ${HEADINGS[m.role]}`, "");
    if (m.reasoning_content) parts.push(...m.reasoning_content.split("\n").map((l) => `> ${l}`), "");
    if (m.tool_call_id !== undefined) parts.push(`Result of \`${m.tool_call_id}\`:`, "");
    if (m.content !== null) parts.push(m.content);
    for (const call of m.tool_calls ?? []) {
      parts.push(
        "",
        `Calls \`${call.function.name}\` (\`${call.id}\`):`,
        "",
        "```json",
        call.function.arguments,
        "```",
      );
    }
  }
  return `${parts.join("\n")}\n`;
}

/** The conversation as the messages a chat session goes on from (`-c`, `--resume`). */
export function toSessionMessages(c: Conversation): Message[] {
  const out: Message[] = [];
  const system = c.header?.system;
  if (system !== undefined && system !== "" && c.messages[0]?.role !== "system") {
    out.push({ role: "system", content: system });
  }
  for (const m of c.messages) {
    const message: Message = { role: m.role, content: m.content };
    if (m.role === "assistant" && m.reasoning) message.reasoning = m.reasoning;
    if (m.role === "assistant" && m.tool_calls?.length) message.tool_calls = m.tool_calls;
    if (m.role === "tool" && m.tool_call_id !== undefined) message.tool_call_id = m.tool_call_id;
    if (m.role === "assistant" && (m.interrupted || m.finish_reason === "length"))
      message.end = m.interrupted ? "interrupted" : m.context_full === true ? "context" : "length";
    out.push(message);
  }
  return out;
}
