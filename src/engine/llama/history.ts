/** Turning parley's messages and parameters into node-llama-cpp's chat history and options. */
import type {
  ChatHistoryItem,
  ChatModelFunctionCall,
  ChatModelResponse,
  LLamaChatGenerateResponseOptions,
} from "node-llama-cpp";
import type { SamplingParams } from "../../chat/params.js";
import type { Message } from "../../chat/types.js";

/** A tool call's arguments as node-llama-cpp holds them: the parsed value (checked when it was read). */
function callParams(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The chat history node-llama-cpp's templates read. An assistant message that calls tools, the
 * `tool` messages that answer it and the assistant text after them are one model response: its
 * text, its calls each with its result, and the text written after the results. A conversation
 * that ends with results (or with an assistant message, a prefill) is continued from there.
 */
export function toHistory(messages: readonly Message[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  let calling: Map<string, ChatModelFunctionCall> | undefined;
  for (const m of messages) {
    switch (m.role) {
      case "system":
        history.push({ type: "system", text: m.content });
        calling = undefined;
        break;
      case "user":
        history.push({ type: "user", text: m.content });
        calling = undefined;
        break;
      case "tool": {
        const call = calling?.get(m.tool_call_id ?? "");
        if (call) call.result = m.content;
        break;
      }
      case "assistant": {
        const last = history.at(-1);
        const response: ChatModelResponse["response"] = [];
        if (m.content !== "" || !m.tool_calls?.length) response.push(m.content);
        const calls = (m.tool_calls ?? []).map((c, i): ChatModelFunctionCall => ({
          type: "functionCall",
          name: c.function.name,
          params: callParams(c.function.arguments),
          result: undefined,
          ...(i === 0 ? { startsNewChunk: true } : {}),
        }));
        response.push(...calls);
        // Text after tool results goes on in the response that made the calls.
        if (calling && last?.type === "model") last.response.push(...response);
        else history.push({ type: "model", response });
        calling = calls.length
          ? new Map(m.tool_calls?.map((c, i) => [c.id, calls[i] as ChatModelFunctionCall]))
          : undefined;
        break;
      }
    }
  }
  const last = messages.at(-1)?.role;
  if (last !== "assistant" && last !== "tool") history.push({ type: "model", response: [] });
  return history;
}

export function repeatPenalty(params: SamplingParams): LLamaChatGenerateResponseOptions["repeatPenalty"] {
  if (params.repeatPenalty === 1 && params.presencePenalty === 0 && params.frequencyPenalty === 0) return false;
  return {
    penalty: params.repeatPenalty,
    presencePenalty: params.presencePenalty,
    frequencyPenalty: params.frequencyPenalty,
    lastTokens: 64,
  };
}

/**
 * Characters of text counted when a lower bound is enough: 16 a token of the context, four
 * times what an English token holds, so a text that far beyond the context is refused after
 * tokenizing this much of it (0.1 s for an 8,192-token context) instead of all of it.
 */
const CHARS_PER_TOKEN_COUNTED = 16;

/**
 * `messages` with their texts cut to `beyond` × 16 characters in all, when they hold more than
 * twice that; undefined otherwise (counting them whole is cheap enough).
 */
export function countedInPart(
  messages: readonly Message[],
  beyond: number,
): { messages: Message[]; cut: number } | undefined {
  let budget = Math.max(1, beyond) * CHARS_PER_TOKEN_COUNTED;
  const total = messages.reduce((sum, m) => sum + m.content.length, 0);
  if (total <= 2 * budget) return undefined;
  let cut = 0;
  const part = messages.map((m) => {
    if (m.content.length <= budget) {
      budget -= m.content.length;
      return m;
    }
    cut++;
    const content = m.content.slice(0, budget);
    budget = 0;
    return { ...m, content };
  });
  return { messages: part, cut };
}
