/** `--json`: one `chat.completion` object, written when the reply is done. */
import { stringifyJson } from "./json-text.js";
import type { ChatListener, Reply } from "../chat/events.js";
import type { ChatCompletion, CompletionMessage } from "../chat/types.js";

export function toChatCompletion(done: Reply): ChatCompletion {
  const calls = done.message.tool_calls;
  const content = calls?.length && done.message.content === "" ? null : done.message.content;
  const message: CompletionMessage = { role: "assistant", content };
  if (done.message.reasoning) message.reasoning_content = done.message.reasoning;
  if (calls?.length) message.tool_calls = calls;
  const completion: ChatCompletion = {
    id: done.id,
    object: "chat.completion",
    created: done.created,
    model: done.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: done.finishReason }],
    usage: done.usage,
    timings: done.timings,
  };
  if (done.interrupted) completion.interrupted = true;
  return completion;
}

export function jsonWriter(write: (text: string) => void): ChatListener {
  return (event) => {
    if (event.type === "done" && event.reply) write(`${stringifyJson(toChatCompletion(event.reply), 2)}\n`);
  };
}
