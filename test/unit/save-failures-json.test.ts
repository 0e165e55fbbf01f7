/** Saving never costs the answer; JSON written for a terminal carries no raw controls. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ChatEvent } from "../../src/chat/events.ts";
import { stringifyJson } from "../../src/output/json-text.ts";
import { jsonWriter } from "../../src/output/json.ts";
import { jsonlWriter } from "../../src/output/jsonl.ts";
import { ConversationWriter, saveFailureMessage } from "../../src/store/conversation-writer.ts";

const model = { name: "m.gguf", path: "/m.gguf" };

describe("conversation writer failures", () => {
  it("a home below a regular file: nothing thrown, the failure kept and said in one line", () => {
    const base = mkdtempSync(join(tmpdir(), "parley-save-"));
    writeFileSync(join(base, "file"), "");
    const dir = join(base, "file", "home", "conversations");
    const w = ConversationWriter.create({ model }, dir);
    assert.equal(w.saveFailure, undefined);
    w.append({ role: "user", content: "hi" });
    w.append({ role: "assistant", content: "hello" });
    w.rename("t");
    w.rewind(0);
    w.close();
    assert.deepEqual(w.saveFailure, { path: w.path, reason: "a part of the path is not a folder", partial: false });
    assert.equal(
      saveFailureMessage(w.saveFailure ?? assert.fail()),
      `the conversation was not saved: a part of the path is not a folder (${w.path})`,
    );
  });

  it("a full disk while resuming: the new messages are not saved, and it says so", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-save-"));
    mkdirSync(dir, { recursive: true });
    symlinkSync("/dev/full", join(dir, "abc123.jsonl"));
    const w = ConversationWriter.resume("abc", { model }, dir);
    w.append({ role: "user", content: "again" });
    w.append({ role: "assistant", content: "reply" });
    assert.equal(w.saveFailure?.reason, "the disk is full");
    assert.equal(w.saveFailure?.partial, true);
    assert.match(
      saveFailureMessage(w.saveFailure ?? assert.fail()),
      /^the conversation was not fully saved: the disk is full \(/,
    );
  });

  it("a writer that works has no failure", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-save-"));
    const w = ConversationWriter.create({ model }, dir);
    w.append({ role: "user", content: "hi" });
    w.close();
    assert.equal(w.saveFailure, undefined);
    assert.equal(readFileSync(w.path, "utf8").split("\n").length, 3);
  });
});

const HOSTILE = "a\u009b31mb\u007fc\u0085d\u2028e\u2029f\u001b[2Jg\u00a0h";
// eslint-disable-next-line no-control-regex
const RAW = /[\u007f-\u009f\u2028\u2029\u0000-\u001f]/;

describe("terminal-safe JSON", () => {
  it("escapes DEL, C1 and the separators; parses back to the same value", () => {
    const text = stringifyJson({ [HOSTILE]: [HOSTILE] }, 2);
    assert.doesNotMatch(text.replace(/\n/g, ""), RAW);
    assert.match(text, /\\u009b31mb\\u007fc\\u0085d\\u2028e\\u2029f\\u001b\[2Jg\u00a0h/);
    assert.deepEqual(JSON.parse(text), { [HOSTILE]: [HOSTILE] });
    assert.equal(stringifyJson(undefined), "null");
  });

  const events: ChatEvent[] = [
    { type: "start", id: "chatcmpl-1", created: 1, model: "m" },
    { type: "token", text: HOSTILE },
    { type: "reasoning", text: HOSTILE },
    {
      type: "done",
      reply: {
        id: "chatcmpl-1",
        created: 1,
        model: "m",
        message: { role: "assistant", content: HOSTILE, reasoning: HOSTILE },
        finishReason: "stop",
        interrupted: false,
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        timings: {},
      },
    } as unknown as ChatEvent,
  ];

  it("--json and --jsonl carry the text escaped, identical after parsing", () => {
    let json = "";
    let jsonl = "";
    const a = jsonWriter((t) => (json += t));
    const b = jsonlWriter((t) => (jsonl += t));
    for (const e of events) {
      a(e);
      b(e);
    }
    assert.doesNotMatch(json.replace(/\n/g, ""), RAW);
    assert.doesNotMatch(jsonl.replace(/\n/g, ""), RAW);
    const completion = JSON.parse(json) as { choices: { message: { content: string; reasoning_content: string } }[] };
    assert.equal(completion.choices[0]?.message.content, HOSTILE);
    assert.equal(completion.choices[0]?.message.reasoning_content, HOSTILE);
    const chunks = jsonl
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { choices: { delta: { content?: string; reasoning_content?: string } }[] });
    assert.equal(chunks[1]?.choices[0]?.delta.content, HOSTILE);
    assert.equal(chunks[2]?.choices[0]?.delta.reasoning_content, HOSTILE);
  });
});
