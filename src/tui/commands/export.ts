/** Writing a conversation out: Chat Completion JSON (read back by `--messages`) or Markdown. */
import { extname } from "node:path";
import { writeExport } from "../../core/index.js";
import type { Message } from "../../chat/types.js";
import { UsageError } from "../../errors.js";

export function messagesToJson(messages: readonly Message[]): string {
  const list = messages.map((m) =>
    m.role === "assistant" && m.reasoning
      ? { role: m.role, content: m.content, reasoning_content: m.reasoning }
      : { role: m.role, content: m.content },
  );
  return `${JSON.stringify(list, null, 2)}\n`;
}

export function messagesToMarkdown(messages: readonly Message[]): string {
  return messages.map((m) => `## ${m.role}\n\n${m.content.trim()}\n`).join("\n");
}

/** Writes the file (`args`: the file, and `--force` to replace an existing one); returns its absolute path and the format used. */
export function exportConversation(
  messages: readonly Message[],
  args: string,
  cwd: string,
): { path: string; format: "json" | "markdown" } {
  const force = /(^|\s)--force(\s|$)/.test(args);
  const file = args.replace(/(^|\s)--force(?=\s|$)/, " ").trim();
  if (file === "") throw new UsageError("usage: /export <file> [--force]");
  if (messages.length === 0) throw new UsageError("nothing to export: the conversation is empty");
  const format = extname(file).toLowerCase() === ".json" ? "json" : "markdown";
  const text = format === "json" ? messagesToJson(messages) : messagesToMarkdown(messages);
  return { path: writeExport(file, cwd, text, force), format };
}

/** OSC 52: asks the terminal to put the text on the clipboard. */
export function osc52(text: string): string {
  return `\u001b]52;c;${Buffer.from(text, "utf8").toString("base64")}\u0007`;
}
