import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseMessagesInput } from "../../src/chat/messages.ts";
import { UsageError } from "../../src/errors.ts";

const bad = (text: string, pattern: RegExp) =>
  assert.throws(
    () => parseMessagesInput(text, "in.json"),
    (err: unknown) => err instanceof UsageError && pattern.test(err.message),
  );

describe("--messages input", () => {
  it("reads a messages array, mapping developer to system and joining text parts", () => {
    const r = parseMessagesInput(
      JSON.stringify([
        { role: "developer", content: "be brief" },
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
        { role: "assistant", content: "ok", reasoning_content: "hmm" },
      ]),
      "in.json",
    );
    assert.deepEqual(r.messages, [
      { role: "system", content: "be brief" },
      { role: "user", content: "ab" },
      { role: "assistant", content: "ok", reasoning: "hmm" },
    ]);
    assert.deepEqual(r.params, {});
  });

  it("reads a request body's sampling fields and response format", () => {
    const r = parseMessagesInput(
      JSON.stringify({
        model: "x",
        messages: [{ role: "user", content: "hi" }],
        temperature: 0.2,
        top_p: 0.5,
        max_completion_tokens: 7,
        stop: "END",
        seed: 3,
        presence_penalty: 0.1,
        frequency_penalty: 0.2,
        stream: true,
        n: 1,
        response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } },
      }),
      "in.json",
    );
    assert.deepEqual(r.params, {
      temperature: 0.2,
      topP: 0.5,
      maxTokens: 7,
      stop: ["END"],
      seed: 3,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
    });
    assert.deepEqual(r.responseFormat, { type: "json_schema", schema: { type: "object" } });
    assert.equal(r.model, "x");
  });

  it("says where malformed JSON breaks", () => {
    bad('[\n  {"role": "user", "content": "hi"}\n  {"role": "user"}\n]', /line 3, column 3/);
    bad('{"a": }', /line 1, column 7/);
    bad("[1, 2", /unexpected end of input/);
    bad("   ", /empty/);
  });

  it("refuses what parley cannot honour, naming the field", () => {
    bad("[]", /messages is empty/);
    bad('[{"role": "function", "content": "x"}]', /messages\[0\]\.role "function"/);
    bad('[{"role": "user"}]', /messages\[0\]\.content is missing/);
    bad(
      '[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]',
      /content\[0\]\.type "image_url"/,
    );
    bad('{"messages": [{"role": "user", "content": "x"}], "tools": []}', /"tools" is empty/);
    bad('{"messages": [{"role": "user", "content": "x"}], "n": 2}', /"n" must be 1/);
    bad('{"messages": [{"role": "user", "content": "x"}], "temperature": 9}', /"temperature"/);
    bad(
      '{"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "xml"}}',
      /response_format\.type/,
    );
    bad('{"messages": [{"role": "user", "content": "x"}], "audio": {}}', /"audio" is not supported/);
    bad('{"messages": "hi"}', /"messages" must be an array/);
    bad('"hi"', /must hold a JSON array/);
  });
});
