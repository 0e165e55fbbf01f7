/** The text of /stats. */
import { draftSummary } from "../chat/draft-stats.js";
import type { Reply } from "../chat/events.js";

export function formatStats(done: Reply | undefined): string | undefined {
  if (!done) return undefined;
  const t = done.timings;
  const ended = done.message.end;
  const end =
    ended === "interrupted"
      ? "interrupted"
      : ended === "context"
        ? "context full"
        : ended === "length"
          ? "token limit"
          : "stop";
  const draft = draftSummary(t);
  return [
    `prompt       ${done.usage.prompt_tokens} tokens, ${t.prompt_ms.toFixed(0)} ms (${t.prompt_per_second.toFixed(1)} tokens/s)`,
    `completion   ${done.usage.completion_tokens} tokens, ${t.predicted_ms.toFixed(0)} ms (${t.predicted_per_second.toFixed(1)} tokens/s)`,
    ...(draft !== undefined ? [`draft        ${draft}`] : []),
    `total        ${done.usage.total_tokens} tokens · ended: ${end}`,
  ].join("\n");
}
