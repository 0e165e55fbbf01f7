/**
 * `--jsonl`: one `chat.completion.chunk` per line, as an OpenAI stream with
 * `stream_options.include_usage`: the role, content pieces, the finish reason, then usage.
 */
import { stringifyJson } from "./json-text.js";
import type { ChatEvent, ChatListener } from "../chat/events.js";
import type { ChatCompletionChunk, ChunkDelta, FinishReason } from "../chat/types.js";

interface ChunkHead {
  id: string;
  created: number;
  model: string;
}

function chunk(
  head: ChunkHead,
  delta: ChunkDelta | undefined,
  finish: FinishReason | null = null,
): ChatCompletionChunk {
  return {
    id: head.id,
    object: "chat.completion.chunk",
    created: head.created,
    model: head.model,
    choices: delta ? [{ index: 0, delta, logprobs: null, finish_reason: finish }] : [],
    usage: null,
  };
}

export function toChunks(event: ChatEvent, head: ChunkHead): ChatCompletionChunk[] {
  switch (event.type) {
    case "start":
      return [chunk(head, { role: "assistant", content: "" })];
    case "token":
      return [chunk(head, { content: event.text })];
    case "reasoning":
      return [chunk(head, { reasoning_content: event.text })];
    case "tool-call":
      // The first piece of a call names it; the next ones carry its arguments.
      return [
        chunk(head, {
          tool_calls: [
            event.arguments === ""
              ? { index: event.index, id: event.id, type: "function", function: { name: event.name, arguments: "" } }
              : { index: event.index, function: { arguments: event.arguments } },
          ],
        }),
      ];
    case "done": {
      const reply = event.reply;
      if (!reply) return [];
      const last = chunk(head, undefined);
      last.usage = reply.usage;
      last.timings = reply.timings;
      if (reply.interrupted) last.interrupted = true;
      return [chunk(head, {}, reply.finishReason), last];
    }
    case "prompt":
    case "notice":
    case "error":
      return [];
  }
}

export function jsonlWriter(write: (text: string) => void): ChatListener {
  let head: ChunkHead | undefined;
  return (event) => {
    if (event.type === "start") head = { id: event.id, created: event.created, model: event.model };
    if (!head) return;
    const lines = toChunks(event, head).map((c) => stringifyJson(c));
    if (lines.length > 0) write(`${lines.join("\n")}\n`);
  };
}
