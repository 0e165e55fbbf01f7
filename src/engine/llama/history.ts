/** Turning parley's messages and parameters into node-llama-cpp's chat history and options. */
import type { ChatHistoryItem, LLamaChatGenerateResponseOptions } from "node-llama-cpp";
import type { SamplingParams } from "../../chat/params.js";
import type { Message } from "../../chat/types.js";

export function toHistory(messages: readonly Message[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    switch (m.role) {
      case "system":
        return { type: "system", text: m.content };
      case "user":
        return { type: "user", text: m.content };
      case "assistant":
        return { type: "model", response: [m.content] };
    }
  });
  // A conversation that ends with an assistant message is continued from it (a prefill).
  if (messages.at(-1)?.role !== "assistant") history.push({ type: "model", response: [] });
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
