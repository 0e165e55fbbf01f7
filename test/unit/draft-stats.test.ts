import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { draftSummary } from "../../src/chat/draft-stats.ts";
import type { Reply } from "../../src/chat/events.ts";
import { computeTimings } from "../../src/core/reply.ts";
import { formatStats } from "../../src/tui/stats.ts";
import type { GenerateResult } from "../../src/engine/engine.ts";

const result: GenerateResult = {
  stopReason: "stop",
  promptTokens: 10,
  completionTokens: 21,
  startedAt: 0,
  firstTokenAt: 100,
  endedAt: 1100,
};

describe("token predictor figures", () => {
  it("are in the timings only when a predictor was used, under llama-server's names", () => {
    const plain = computeTimings(result);
    assert.equal("draft_n" in plain, false);
    assert.equal("draft_n_accepted" in plain, false);
    const drafted = computeTimings({ ...result, draft: { tokens: 12, accepted: 9 } });
    assert.equal(drafted.draft_n, 12);
    assert.equal(drafted.draft_n_accepted, 9);
    assert.equal(drafted.predicted_per_second, 20);
  });

  it("read as an acceptance rate, and a predictor that proposed nothing says so", () => {
    assert.equal(draftSummary(computeTimings(result)), undefined);
    assert.equal(
      draftSummary(computeTimings({ ...result, draft: { tokens: 12, accepted: 9 } })),
      "9 of 12 drafted tokens accepted (75%)",
    );
    assert.equal(
      draftSummary(computeTimings({ ...result, draft: { tokens: 0, accepted: 0 } })),
      "0 of 0 drafted tokens accepted",
    );
  });

  it("get a row of their own in /stats", () => {
    const reply = (timings: Reply["timings"]): Reply => ({
      id: "chatcmpl-1",
      created: 0,
      model: "m",
      message: { role: "assistant", content: "hi" },
      finishReason: "stop",
      interrupted: false,
      usage: { prompt_tokens: 10, completion_tokens: 21, total_tokens: 31 },
      timings,
    });
    const withDraft = formatStats(reply(computeTimings({ ...result, draft: { tokens: 4, accepted: 1 } }))) ?? "";
    assert.match(withDraft, /\ndraft {8}1 of 4 drafted tokens accepted \(25%\)\n/);
    assert.doesNotMatch(formatStats(reply(computeTimings(result))) ?? "", /draft/);
  });
});
