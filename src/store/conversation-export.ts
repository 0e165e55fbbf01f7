/** A saved conversation as a Chat Completion messages array (what `--messages` reads) or Markdown. */
import type { Message, Role } from "../chat/types.js";
import type { Conversation } from "./conversations.js";

export interface ExportedMessage {
  role: Role;
  content: string;
  reasoning_content?: string;
}

/** The system prompt from the header (unless a system message opens the list), then every message. */
export function toChatMessages(c: Conversation): ExportedMessage[] {
  const out: ExportedMessage[] = [];
  const system = c.header?.system;
  if (system !== undefined && system !== "" && c.messages[0]?.role !== "system") {
    out.push({ role: "system", content: system });
  }
  for (const m of c.messages) {
    const message: ExportedMessage = { role: m.role, content: m.content };
    if (m.role === "assistant" && m.reasoning) message.reasoning_content = m.reasoning;
    out.push(message);
  }
  return out;
}

const HEADINGS: Record<Role, string> = { system: "System", user: "User", assistant: "Assistant" };

export function toMarkdown(c: Conversation): string {
  const parts = [`# ${c.title}`, "", `- id: \`${c.id}\``, `- model: ${c.model}`, `- created: ${c.created}`];
  for (const m of toChatMessages(c)) {
    parts.push("", `## ${HEADINGS[m.role]}`, "");
    if (m.reasoning_content) parts.push(...m.reasoning_content.split("\n").map((l) => `> ${l}`), "");
    parts.push(m.content);
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
    if (m.role === "assistant" && (m.interrupted || m.finish_reason === "length"))
      message.end = m.interrupted ? "interrupted" : m.context_full === true ? "context" : "length";
    out.push(message);
  }
  return out;
}
