/**
 * `/compact`: the older turns of a conversation written as one short summary by the model, to
 * stand for them in what the model sees.
 */
import type { SamplingParams } from "../chat/params.js";
import { ReasoningSplitter } from "../chat/reasoning.js";
import type { Message } from "../chat/types.js";
import type { ChatEngine } from "../engine/engine.js";
import { RuntimeError, UsageError } from "../errors.js";
import { countTokens } from "./context-window.js";

/** Words sent with `/compact`: what the summary must keep. */
const COMPACT_INSTRUCTION =
  "Summarise the conversation below in a few sentences. Keep every fact, name, number, decision " +
  "and open question; leave out greetings. Write only the summary.";

/** The transcript of the older messages, cut from its oldest end until it fits with room for the summary. */
export function compactRequest(
  engine: ChatEngine,
  older: readonly Message[],
  earlier: string | undefined,
): { messages: Message[]; maxTokens: number } {
  const lines = [
    ...(earlier !== undefined ? [`(earlier) ${earlier}`] : []),
    ...older.map((m) => `${m.role === "user" ? "User" : "Assistant"}: ${m.content}`),
  ];
  const contextSize = engine.info.contextSize;
  const maxTokens = Math.max(32, Math.min(256, Math.floor(contextSize / 4)));
  const request = (text: string): Message[] => [
    { role: "system", content: COMPACT_INSTRUCTION },
    { role: "user", content: text },
  ];
  let transcript = lines.join("\n\n");
  while (transcript !== "" && countTokens(engine, request(transcript)) + maxTokens >= contextSize) {
    if (lines.length > 1) lines.shift();
    else lines[0] = (lines[0] ?? "").slice(Math.ceil((lines[0] ?? "").length / 4));
    transcript = lines.join("\n\n");
  }
  if (transcript === "") throw new UsageError("the context is too small to summarise in: /clear starts afresh");
  return { messages: request(transcript), maxTokens };
}

/** Asks the model for the summary; its reasoning, if any, is left out. */
export async function writeSummary(
  engine: ChatEngine,
  request: { messages: Message[]; maxTokens: number },
  params: SamplingParams,
  signal: AbortSignal,
): Promise<string> {
  let text = "";
  for await (const part of engine.generate({
    messages: request.messages,
    params: { ...params, temperature: 0.2, maxTokens: request.maxTokens },
    signal,
  })) {
    if (part.type === "text") text += part.text;
  }
  const splitter = new ReasoningSplitter();
  text = [...splitter.push(text), ...splitter.flush()]
    .filter((p) => p.kind === "content")
    .map((p) => p.text)
    .join("")
    .trim();
  if (text === "") throw new RuntimeError("the model wrote no summary; nothing was changed");
  return text;
}
