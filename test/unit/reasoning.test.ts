import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReasoningSplitter, type SplitPiece } from "../../src/chat/reasoning.ts";

function split(chunks: string[]): { content: string; reasoning: string } {
  const s = new ReasoningSplitter();
  const pieces: SplitPiece[] = [];
  for (const c of chunks) pieces.push(...s.push(c));
  pieces.push(...s.flush());
  return {
    content: pieces
      .filter((p) => p.kind === "content")
      .map((p) => p.text)
      .join(""),
    reasoning: pieces
      .filter((p) => p.kind === "reasoning")
      .map((p) => p.text)
      .join(""),
  };
}

describe("reasoning splitter", () => {
  it("separates a leading think block from the answer", () => {
    assert.deepEqual(split(["<think>plan</think>", "answer"]), { content: "answer", reasoning: "plan" });
  });
  it("handles tags split across chunks at every position", () => {
    const text = "  <think>\nstep one</think>\n\nThe answer";
    for (let i = 1; i < text.length; i++) {
      assert.deepEqual(
        split([text.slice(0, i), text.slice(i)]),
        { content: "The answer", reasoning: "step one" },
        `split at ${i}`,
      );
    }
    assert.deepEqual(split([...text]), { content: "The answer", reasoning: "step one" });
  });
  it("leaves text without a leading think tag alone", () => {
    assert.deepEqual(split(["Say <think> is a tag"]), { content: "Say <think> is a tag", reasoning: "" });
    assert.deepEqual(split(["<", "b>bold"]), { content: "<b>bold", reasoning: "" });
  });
  it("keeps an unfinished think block as reasoning", () => {
    assert.deepEqual(split(["<think>still going</th"]), { content: "", reasoning: "still going</th" });
  });
});
