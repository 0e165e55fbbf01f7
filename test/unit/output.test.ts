import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatEvent, Reply } from "../../src/chat/events.ts";
import { jsonlWriter } from "../../src/output/jsonl.ts";
import { toChatCompletion } from "../../src/output/json.ts";
import { sanitizeForTerminal } from "../../src/output/sanitize.ts";
import { textWriter } from "../../src/output/text.ts";

const done: Reply = {
  id: "chatcmpl-1",
  created: 1,
  model: "m.gguf",
  message: { role: "assistant", content: "hi", reasoning: "r" },
  finishReason: "length",
  interrupted: true,
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  timings: {
    prompt_n: 3,
    prompt_ms: 1,
    prompt_per_token_ms: 0.3,
    prompt_per_second: 3000,
    predicted_n: 2,
    predicted_ms: 1,
    predicted_per_token_ms: 1,
    predicted_per_second: 1000,
  },
};

describe("terminal-safe text", () => {
  it("neutralises escape sequences and control characters but keeps newline and tab", () => {
    assert.equal(sanitizeForTerminal("a\u001b[2Jb\u0007c\rd\te\nf\u009b1m\u007f"), "a^[[2Jb^Gc^Md\te\nf\ufffd1m^?");
    assert.equal(sanitizeForTerminal("héllo ✓ 日本"), "héllo ✓ 日本");
  });
});

describe("writers", () => {
  it("builds a chat.completion with reasoning and the interrupted extension", () => {
    const c = toChatCompletion(done);
    assert.equal(c.object, "chat.completion");
    assert.deepEqual(c.choices[0].message, { role: "assistant", content: "hi", reasoning_content: "r" });
    assert.equal(c.choices[0].finish_reason, "length");
    assert.equal(c.interrupted, true);
  });

  it("streams chunks: role, content, finish reason, then usage", () => {
    const lines: string[] = [];
    const w = jsonlWriter((t) => lines.push(...t.trimEnd().split("\n")));
    const events: ChatEvent[] = [
      { type: "start", id: "chatcmpl-1", created: 1, model: "m.gguf" },
      { type: "reasoning", text: "r" },
      { type: "token", text: "hi" },
      { type: "done", reply: done },
    ];
    events.forEach(w);
    const chunks = lines.map((l) => JSON.parse(l));
    assert.deepEqual(chunks[0].choices[0].delta, { role: "assistant", content: "" });
    assert.deepEqual(chunks[1].choices[0].delta, { reasoning_content: "r" });
    assert.deepEqual(chunks[2].choices[0].delta, { content: "hi" });
    assert.equal(chunks[3].choices[0].finish_reason, "length");
    assert.deepEqual(chunks[4].choices, []);
    assert.deepEqual(chunks[4].usage, done.usage);
    assert.equal(chunks[4].interrupted, true);
  });

  it("writes text, hiding reasoning unless asked, dimming it when colour is on", () => {
    const run = (showReasoning: boolean, dim: boolean, sanitize: boolean) => {
      let out = "";
      const w = textWriter({ write: (t) => (out += t), sanitize, showReasoning, dim });
      w({ type: "reasoning", text: "plan" });
      w({ type: "token", text: "ans\u001b[1mwer" });
      w({ type: "done", reply: done });
      return out;
    };
    assert.equal(run(false, false, true), "ans^[[1mwer\n");
    assert.equal(run(true, false, false), "plan\n\nans\u001b[1mwer\n");
    assert.equal(run(true, true, true), "\u001b[2mplan\u001b[22m\n\nans^[[1mwer\n");
  });
});
