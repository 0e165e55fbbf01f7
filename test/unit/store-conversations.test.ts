import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseMessagesInput } from "../../src/chat/messages.ts";
import { UsageError } from "../../src/errors.ts";
import { toChatMessages, toMarkdown, toSessionMessages } from "../../src/store/conversation-export.ts";
import { resolveConversationId } from "../../src/store/conversation-files.ts";
import { parseConversationText } from "../../src/store/conversation-records.ts";
import { ConversationWriter, modelIdentity } from "../../src/store/conversation-writer.ts";
import {
  clearConversations,
  latestConversationId,
  listConversations,
  readConversation,
  removeConversation,
  renameConversation,
  searchConversations,
} from "../../src/store/conversations.ts";

const MODEL = { name: "m.gguf", path: "/models/m.gguf", size: 10 };

function tempDir(): string {
  return join(mkdtempSync(join(tmpdir(), "parley-conv-")), "conversations");
}

function sample(dir: string, user = "Hello there", system?: string): ConversationWriter {
  const w = ConversationWriter.create(
    {
      model: MODEL,
      template: "ChatML",
      params: { temperature: 0.5 },
      source: "one-shot",
      ...(system ? { system } : {}),
    },
    dir,
  );
  w.append({ role: "user", content: user });
  w.append({
    role: "assistant",
    content: "Hello from parley!",
    reasoning: "thinking",
    tokens: { prompt: 12, completion: 5 },
    finishReason: "stop",
  });
  w.close();
  return w;
}

/** Writes a file with a header that has a fixed id. */
function writeRaw(dir: string, id: string, lines: string[], trailingNewline = true): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${id}.jsonl`), lines.join("\n") + (trailingNewline ? "\n" : ""));
}

function header(id: string): string {
  return JSON.stringify({ type: "header", version: 1, id, created: "2026-01-01T00:00:00.000Z", model: MODEL });
}

function message(role: string, content: string, time = "2026-01-01T00:00:01.000Z"): string {
  return JSON.stringify({ type: "message", time, role, content });
}

describe("conversation store", () => {
  it("writes nothing until the first message, then a header and one line per message", () => {
    const dir = tempDir();
    const w = ConversationWriter.create({ model: MODEL }, dir);
    assert.equal(existsSync(w.path), false);
    w.append({ role: "user", content: "hi" });
    w.close();
    w.append({ role: "assistant", content: "yo", finishReason: "length", interrupted: true });
    w.close();
    const lines = readFileSync(w.path, "utf8").split("\n");
    assert.equal(lines.length, 4);
    assert.equal(lines[3], "");
    assert.equal(JSON.parse(lines[0] ?? "").type, "header");
    assert.deepEqual(JSON.parse(lines[2] ?? ""), {
      type: "message",
      time: JSON.parse(lines[2] ?? "").time,
      role: "assistant",
      content: "yo",
      finish_reason: "length",
      interrupted: true,
    });
    assert.equal(statSync(w.path).mode & 0o777, 0o600);
  });

  it("reads back what was written", () => {
    const dir = tempDir();
    const w = sample(dir, "What is up?", "Be nice.");
    const c = readConversation(w.id, dir);
    assert.equal(c.title, "What is up?");
    assert.equal(c.model, "m.gguf");
    assert.equal(c.header?.template, "ChatML");
    assert.deepEqual(c.header?.params, { temperature: 0.5 });
    assert.equal(c.messages.length, 2);
    assert.deepEqual(c.messages[1]?.tokens, { prompt: 12, completion: 5 });
    assert.equal(c.torn, false);
    assert.equal(c.damaged, undefined);
  });

  it("identifies a model file by size, time and a hash of its start", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-model-"));
    const file = join(dir, "a.gguf");
    writeFileSync(file, "GGUF model bytes");
    const id = modelIdentity(file);
    assert.equal(id.name, "a.gguf");
    assert.equal(id.size, 16);
    assert.match(id.sha256_1mb ?? "", /^[0-9a-f]{64}$/);
    assert.equal(modelIdentity(join(dir, "missing.gguf")).size, undefined);
  });

  it("skips and reports a torn last line", () => {
    const dir = tempDir();
    writeRaw(
      dir,
      "aaa111",
      [header("aaa111"), message("user", "hi"), '{"type":"message","time":"2026-01-01T00:0'],
      false,
    );
    const c = readConversation("aaa", dir);
    assert.equal(c.torn, true);
    assert.equal(c.messages.length, 1);
    assert.deepEqual(c.badLines, []);
  });

  it("goes on with a conversation on a fresh line after a torn one", () => {
    const dir = tempDir();
    writeRaw(dir, "aaa111", [header("aaa111"), message("user", "hi"), '{"type":"mess'], false);
    const w = ConversationWriter.resume("aaa", { model: MODEL }, dir);
    w.append({ role: "assistant", content: "again" });
    w.close();
    const c = readConversation("aaa111", dir);
    assert.deepEqual(
      c.messages.map((m) => m.content),
      ["hi", "again"],
    );
    assert.equal(c.resumes.length, 1);
    assert.deepEqual(c.badLines, [3]);
    assert.equal(c.torn, false);
  });

  it("lists damaged files as damaged without breaking the others", () => {
    const dir = tempDir();
    const good = sample(dir);
    writeRaw(dir, "bad000", ["this is not json", message("user", "x")]);
    writeRaw(dir, "empty0", [], false);
    writeRaw(dir, "mid000", [header("mid000"), "garbage", message("user", "still here")]);
    const list = listConversations(dir);
    const by = (id: string) => list.find((c) => c.id === id);
    assert.equal(list.length, 4);
    assert.equal(by(good.id)?.damaged, undefined);
    assert.match(by("bad000")?.damaged ?? "", /not a conversation header/);
    assert.match(by("empty0")?.damaged ?? "", /empty/);
    assert.equal(by("mid000")?.damaged, undefined);
    assert.equal(by("mid000")?.messages, 1);
    assert.deepEqual(readConversation("mid", dir).badLines, [2]);
    assert.equal(latestConversationId(dir), good.id);
  });

  it("accepts unique id prefixes and refuses unknown or ambiguous ones", () => {
    const dir = tempDir();
    writeRaw(dir, "abc123", [header("abc123")]);
    writeRaw(dir, "abd456", [header("abd456")]);
    assert.equal(resolveConversationId("abc", dir), "abc123");
    assert.equal(resolveConversationId("ABD4", dir), "abd456");
    assert.throws(
      () => resolveConversationId("ab", dir),
      (err: Error) => {
        assert.ok(err instanceof UsageError);
        assert.match(err.message, /ambiguous id "ab": it starts 2 conversations \(abc123, abd456\)/);
        return true;
      },
    );
    assert.throws(() => resolveConversationId("zz", dir), /no conversation "zz"/);
    assert.throws(() => resolveConversationId("../x", dir), /no conversation/);
    assert.throws(() => resolveConversationId("a", tempDir()), /no conversation "a"/);
  });

  it("renames by appending, the latest title winning", () => {
    const dir = tempDir();
    const w = sample(dir);
    const before = readFileSync(w.path, "utf8");
    renameConversation(w.id.slice(0, 6), "First", dir);
    renameConversation(w.id, "Second", dir);
    const after = readFileSync(w.path, "utf8");
    assert.ok(after.startsWith(before));
    assert.equal(after.slice(before.length).split("\n").length, 3);
    assert.equal(readConversation(w.id, dir).title, "Second");
    renameConversation(w.id, "  Two\n lines ", dir);
    assert.equal(readConversation(w.id, dir).title, "Two lines");
    assert.throws(() => renameConversation(w.id, "  ", dir), /title is empty/);
  });

  it("exports a messages array that --messages accepts, and Markdown", () => {
    const dir = tempDir();
    const w = sample(dir, "Question?", "Be nice.");
    const c = readConversation(w.id, dir);
    const messages = toChatMessages(c);
    assert.deepEqual(messages, [
      { role: "system", content: "Be nice." },
      { role: "user", content: "Question?" },
      { role: "assistant", content: "Hello from parley!", reasoning_content: "thinking" },
    ]);
    const parsed = parseMessagesInput(JSON.stringify(messages), "export");
    assert.equal(parsed.messages.length, 3);
    assert.equal(parsed.messages[2]?.reasoning, "thinking");
    assert.deepEqual(toSessionMessages(c), parsed.messages);
    const md = toMarkdown(c);
    assert.match(md, /^# Question\?\n/);
    assert.match(md, /## Assistant\n\n> thinking\n\nHello from parley!\n$/);
  });

  it("searches titles and messages, case-insensitively", () => {
    const dir = tempDir();
    const rome = sample(dir, "Tell me about Rome");
    sample(dir, "Tell me about Paris");
    writeRaw(dir, "bad000", ["junk"]);
    const hits = searchConversations("rOME", dir);
    assert.deepEqual(
      hits.map((h) => h.conversation.id),
      [rome.id],
    );
    assert.equal(hits[0]?.snippet, "Tell me about Rome");
    assert.equal(searchConversations("parley!", dir).length, 2);
    assert.throws(() => searchConversations(" ", dir), UsageError);
  });

  it("removes one conversation with its snapshots, or all of them", () => {
    const home = mkdtempSync(join(tmpdir(), "parley-home-"));
    const old = process.env.PARLEY_HOME;
    process.env.PARLEY_HOME = home;
    try {
      const dir = join(home, "conversations");
      const a = sample(dir);
      const b = sample(dir);
      mkdirSync(join(home, "snapshots"));
      appendFileSync(join(home, "snapshots", `${a.id}.state`), "x");
      appendFileSync(join(home, "snapshots", `${b.id}.state`), "x");
      assert.equal(removeConversation(a.id.slice(0, 5)), a.id);
      assert.equal(existsSync(a.path), false);
      assert.equal(existsSync(join(home, "snapshots", `${a.id}.state`)), false);
      assert.equal(existsSync(join(home, "snapshots", `${b.id}.state`)), true);
      sample(dir);
      assert.equal(clearConversations(), 2);
      assert.deepEqual(listConversations(), []);
    } finally {
      if (old === undefined) delete process.env.PARLEY_HOME;
      else process.env.PARLEY_HOME = old;
    }
  });

  it("parses text without ever throwing", () => {
    for (const text of [
      "",
      "\n\n",
      "null",
      "[]",
      '{"type":"header"}',
      "\u0000\u0001",
      '{"type":"message","role":"robot"}',
    ]) {
      const parsed = parseConversationText(text);
      assert.ok(parsed.damaged);
    }
  });
});
