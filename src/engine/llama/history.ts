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
