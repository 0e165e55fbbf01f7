/**
 * `--template none`: no chat template at all. The messages are written as they are, one after
 * the other (a system prompt, then a blank line), and the model carries the text on: plain
 * completion, the way a base model is used.
 */
import type { ChatHistoryItem, ChatWrapperGeneratedContextState } from "node-llama-cpp";
import { nodeLlamaCpp } from "./node-llama-cpp.js";

const { ChatWrapper, LlamaText, SpecialToken } = await nodeLlamaCpp();
type LlamaText = InstanceType<typeof LlamaText>;

function textOf(item: ChatHistoryItem): LlamaText {
  switch (item.type) {
    case "system":
      return LlamaText([LlamaText.fromJSON(item.text), "\n\n"]);
    case "user":
      return LlamaText(item.text);
    case "model":
      return LlamaText(item.response.filter((r): r is string => typeof r === "string").join(""));
  }
}

export class PlainTextChatWrapper extends ChatWrapper {
  readonly wrapperName = "none (plain text)";

  override generateContextState({
    chatHistory,
  }: {
    chatHistory: readonly ChatHistoryItem[];
  }): ChatWrapperGeneratedContextState {
    return {
      contextText: LlamaText([new SpecialToken("BOS"), ...chatHistory.map(textOf)]),
      stopGenerationTriggers: [LlamaText(new SpecialToken("EOS"))],
    };
  }
}
