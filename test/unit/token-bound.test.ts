import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Message } from "../../src/chat/types.ts";
import { fitContext, type FitRequest } from "../../src/core/context-policy.ts";
import { countedInPart } from "../../src/engine/llama/history.ts";

describe("counting a text far beyond the context in part", () => {
  const user = (content: string): Message => ({ role: "user", content });

  it("leaves texts up to twice the counted share whole", () => {
    assert.equal(countedInPart([user("a".repeat(2 * 64 * 16))], 64), undefined);
    assert.equal(countedInPart([user("a".repeat(1000)), user("b".repeat(1048))], 64), undefined);
  });

  it("cuts the texts to 16 characters a token of the context, in order, and counts the cuts", () => {
    const system: Message = { role: "system", content: "s".repeat(100) };
    const part = countedInPart([system, user("a".repeat(5000)), user("b".repeat(300))], 64);
    assert.ok(part);
    assert.equal(part.cut, 2);
    assert.deepEqual(
      part.messages.map((m) => [m.role, m.content.length]),
      [
        ["system", 100],
        ["user", 64 * 16 - 100],
        ["user", 0],
      ],
    );
  });

  it("keeps every message and role, so the template still adds what it adds", () => {
    const part = countedInPart([user("x".repeat(10_000)), { role: "assistant", content: "y" }, user("z")], 32);
    assert.ok(part);
    assert.deepEqual(
      part.messages.map((m) => m.role),
      ["user", "assistant", "user"],
    );
  });
});

describe("fitting a conversation with a lower bound", () => {
  const user = (content: string): Message => ({ role: "user", content });
  const exact = (messages: readonly Message[]) => messages.reduce((n, m) => n + m.content.length, 0);
  const fit = (
    messages: Message[],
    contextSize: number,
    count: FitRequest["count"],
    atLeast: FitRequest["atLeast"],
    maxTokens?: number,
  ) => fitContext({ messages, keepFrom: 0, policy: "drop", contextSize, maxTokens, count, atLeast });
  const refusal = (r: ReturnType<typeof fitContext>) => (r.kind === "refused" ? r.error.message : "");

  it("says 'at least' only for a count found on part of the text", () => {
    const huge = fit(
      [user("a".repeat(100))],
      10,
      () => assert.fail("the whole text is not counted when a bound is there"),
      () => 50,
    );
    assert.equal(huge.kind, "refused");
    assert.match(refusal(huge), /^the prompt takes at least 50 tokens but the context holds 10:/);
    const plain = fit([user("a".repeat(100))], 10, exact, () => undefined);
    assert.match(refusal(plain), /^the prompt takes 100 tokens but/);
  });

  it("drops old turns on bounds too, and keeps what then fits counted exactly", () => {
    const messages = [user("x".repeat(1000)), { role: "assistant" as const, content: "ok" }, user("hi")];
    const fitted = fit(messages, 100, exact, (view) => (exact(view) > 200 ? exact(view) : undefined), 10);
    assert.equal(fitted.kind, "fits");
    assert.deepEqual(fitted.kind === "fits" ? fitted.view : [], [user("hi")]);
  });
});
