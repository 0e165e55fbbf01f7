import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DEFAULT_PARAMS } from "../../src/chat/params.ts";
import { restoreSnapshot, saveSnapshot, snapshotAttention } from "../../src/core/snapshot.ts";
import type { Message } from "../../src/chat/types.ts";
import type { LlamaEngine } from "../../src/engine/llama/engine.ts";
import { loadLlamaEngine } from "../../src/engine/llama/load.ts";
import { modelIdentity } from "../../src/store/conversation-writer.ts";
import { snapshotGroups, snapshotPath } from "../../src/store/snapshots.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

process.env.PARLEY_HOME = mkdtempSync(join(tmpdir(), "parley-snapshot-home-"));

const engines: LlamaEngine[] = [];
const modelPaths = new Map<LlamaEngine, string>();
const pathOf = (e: LlamaEngine): string => modelPaths.get(e) ?? "";
after(async () => {
  for (const e of engines) await e.dispose();
});

async function engine(
  model: string = fixture("script"),
  more: { template?: string; contextSize?: number; turns?: boolean; attention?: "flash" | "standard" } = {},
): Promise<LlamaEngine> {
  const e = await loadLlamaEngine({
    kind: "llama",
    model,
    gpu: "off",
    gpuLayers: 0,
    contextSize: more.contextSize ?? 512,
    threads: 1,
    template: more.template ?? "auto",
    debug: false,
    ...(more.turns ? { turns: true } : {}),
    ...(more.attention ? { attention: more.attention } : {}),
  });
  engines.push(e);
  modelPaths.set(e, model);
  return e;
}

/** Engines shared by the tests (loading the backend takes a while): one saves, one resumes. */
let saver: Promise<LlamaEngine> | undefined;
let resumer: Promise<LlamaEngine> | undefined;

const PARAMS = { ...DEFAULT_PARAMS, temperature: 0, maxTokens: 16 };

async function reply(e: LlamaEngine, messages: readonly Message[]): Promise<{ text: string; evaluated: number }> {
  let text = "";
  const before = e.evaluatedTokens;
  for await (const part of e.generate({ messages, params: PARAMS })) if (part.type === "text") text += part.text;
  return { text, evaluated: e.evaluatedTokens - before };
}

const FIRST: Message[] = [
  { role: "system", content: "You are a careful assistant who answers briefly." },
  { role: "user", content: "Tell me about rivers, lakes and the sea. ".repeat(8) },
];

/** A conversation with one reply, its snapshot saved; returns what resuming needs. */
async function savedConversation(id: string, dir: string, capBytes = 1 << 30) {
  saver ??= engine();
  const e = await saver;
  const { text } = await reply(e, FIRST);
  const model = modelIdentity(pathOf(e));
  const saved = await saveSnapshot(e, { conversationId: id, model, template: e.info.template, capBytes, dir });
  assert.equal(saved.outcome, "saved", saved.error);
  const next: Message[] = [...FIRST, { role: "assistant", content: text }, { role: "user", content: "And why?" }];
  return { model, saved, next, template: e.info.template };
}

function resuming(): Promise<LlamaEngine> {
  resumer ??= engine();
  return resumer;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "parley-snapshots-"));
}

describe("instant resume", () => {
  it("loads a saved state in a fresh engine, and the next reply reuses its tokens", async () => {
    const dir = tempDir();
    const { model, saved, next, template } = await savedConversation("conv01", dir);
    assert.ok(saved.tokens > 100 && saved.bytes > 0);
    const meta = JSON.parse(readFileSync(snapshotPath("conv01", "json", dir), "utf8"));
    assert.equal(meta.tokens.length, saved.tokens);
    assert.equal(statSync(snapshotPath("conv01", "state", dir)).mode & 0o777, 0o600);

    const resumed = await engine();
    const r = await restoreSnapshot(resumed, { conversationId: "conv01", model, template, messages: next, dir });
    assert.equal(r.outcome, "loaded", r.detail);
    // All but the reply, which the fixture writes with tokens that its text does not tokenize to.
    assert.ok(r.reusedTokens >= saved.tokens - 8 && r.reusedTokens <= saved.tokens, `${r.reusedTokens}`);

    const fresh = await engine();
    const a = await reply(resumed, next);
    const b = await reply(fresh, next);
    assert.equal(a.text, SCRIPT_REPLY);
    assert.equal(a.text, b.text);
    // Only the tokens after the snapshot are evaluated.
    assert.ok(a.evaluated <= b.evaluated - r.reusedTokens + 8, `${a.evaluated} vs ${b.evaluated}`);
    assert.ok(a.evaluated * 2 < b.evaluated);
  });

  it("loads when resuming before the next message is written", async () => {
    const dir = tempDir();
    const { model, saved, next, template } = await savedConversation("conv02", dir);
    const messages = next.slice(0, -1);
    const r = await restoreSnapshot(await resuming(), { conversationId: "conv02", model, template, messages, dir });
    assert.equal(r.outcome, "loaded", r.detail);
    // All but the reply, which the fixture writes with tokens that its text does not tokenize to.
    assert.ok(r.reusedTokens >= saved.tokens - 8 && r.reusedTokens <= saved.tokens, `${r.reusedTokens}`);
  });

  it("a state saved with the oldest messages left out loads for the whole conversation, and says from where", async () => {
    const dir = tempDir();
    saver ??= engine();
    const e = await saver;
    const old: Message[] = [
      { role: "user", content: "An old question about mountains." },
      { role: "assistant", content: "An old answer." },
    ];
    // The model saw the system prompt and the last exchange only: messages 1 and 2 were left out.
    const whole: Message[] = [FIRST[0]!, ...old, ...FIRST.slice(1)];
    const { text } = await reply(e, FIRST);
    const model = modelIdentity(pathOf(e));
    const template = e.info.template;
    const saved = await saveSnapshot(e, {
      conversationId: "conv12",
      model,
      template,
      capBytes: 1 << 30,
      keepFrom: 3,
      dir,
    });
    assert.equal(saved.outcome, "saved", saved.error);
    assert.equal(JSON.parse(readFileSync(snapshotPath("conv12", "json", dir), "utf8")).keepFrom, 3);
    const next: Message[] = [...whole, { role: "assistant", content: text }, { role: "user", content: "And why?" }];
    const r = await restoreSnapshot(await resuming(), {
      conversationId: "conv12",
      model,
      template,
      messages: next,
      dir,
    });
    assert.equal(r.outcome, "loaded", r.detail);
    assert.equal(r.keepFrom, 3);
    assert.ok(r.reusedTokens >= saved.tokens - 8, `${r.reusedTokens} of ${saved.tokens}`);
    // A conversation that no longer holds that many messages reads them again.
    const short = await restoreSnapshot(await resuming(), {
      conversationId: "conv12",
      model,
      template,
      messages: FIRST.slice(0, 1),
      dir,
    });
    assert.equal(short.outcome, "prefix-mismatch");
    assert.equal(short.keepFrom, undefined);
  });

  it("loads the part still shared when only the last reply was edited", async () => {
    const dir = tempDir();
    const { model, saved, next, template } = await savedConversation("conv07", dir);
    const edited = next.map((m) => (m.role === "assistant" ? { ...m, content: "Something else entirely." } : m));
    const e = await resuming();
    const r = await restoreSnapshot(e, { conversationId: "conv07", model, template, messages: edited, dir });
    assert.equal(r.outcome, "loaded", r.detail);
    assert.ok(r.reusedTokens > saved.tokens / 2 && r.reusedTokens < saved.tokens, `${r.reusedTokens}`);
    assert.equal((await reply(e, edited)).text, SCRIPT_REPLY);
  });

  it("reports a missing snapshot", async () => {
    const e = await resuming();
    const model = modelIdentity(pathOf(e));
    const base = { model, template: e.info.template, messages: FIRST, dir: tempDir() };
    assert.equal((await restoreSnapshot(e, { ...base, conversationId: "nothing" })).outcome, "missing");
    assert.equal((await restoreSnapshot(e, { ...base, conversationId: "../x" })).outcome, "missing");
  });

  it("refuses a snapshot of another model file, and the other model still answers", async () => {
    const dir = tempDir();
    const { next, template } = await savedConversation("conv03", dir);
    const other = await engine(fixture("random"));
    const model = modelIdentity(pathOf(other));
    const r = await restoreSnapshot(other, { conversationId: "conv03", model, template, messages: next, dir });
    assert.deepEqual([r.outcome, r.reusedTokens], ["model-mismatch", 0]);
    const { evaluated } = await reply(other, next);
    assert.ok(evaluated >= other.countTokens(next) - 1);
  });

  it("refuses another template or context size", async () => {
    const dir = tempDir();
    const { model, next } = await savedConversation("conv04", dir);
    const llama3 = await engine(fixture("script"), { template: "llama3" });
    const t = await restoreSnapshot(llama3, {
      conversationId: "conv04",
      model,
      template: llama3.info.template,
      messages: next,
      dir,
    });
    assert.equal(t.outcome, "template-mismatch");
    const bigger = await engine(fixture("script"), { contextSize: 1024 });
    const c = await restoreSnapshot(bigger, {
      conversationId: "conv04",
      model,
      template: bigger.info.template,
      messages: next,
      dir,
    });
    assert.equal(c.outcome, "context-mismatch");
  });

  it("keeps the attention kernels a state was made with: another kind is refused, the same kind loads", async () => {
    const dir = tempDir();
    const { model, next, template } = await savedConversation("conv08", dir);
    assert.equal((await saver)?.info.attention, "flash", "a single request on a CPU uses flash attention");
    assert.equal(snapshotAttention("conv08", dir), "flash");
    assert.equal(snapshotAttention("nothing", dir), undefined);
    const chat = await engine(fixture("script"), { turns: true });
    assert.equal(chat.info.attention, "standard", "a chat of many turns on a CPU uses the standard kernels");
    const refused = await restoreSnapshot(chat, { conversationId: "conv08", model, template, messages: next, dir });
    assert.deepEqual([refused.outcome, refused.reusedTokens], ["attention-mismatch", 0]);
    assert.equal((await reply(chat, next)).text, SCRIPT_REPLY);
    const resumedChat = await engine(fixture("script"), { turns: true, attention: "flash" });
    assert.equal(resumedChat.info.attention, "flash");
    const loaded = await restoreSnapshot(resumedChat, {
      conversationId: "conv08",
      model,
      template,
      messages: next,
      dir,
    });
    assert.equal(loaded.outcome, "loaded", loaded.detail);
    assert.equal((await reply(resumedChat, next)).text, SCRIPT_REPLY);
  });

  it("refuses a snapshot when the history was edited", async () => {
    const dir = tempDir();
    const { model, next, template } = await savedConversation("conv05", dir);
    const edited = next.map((m, i) => (i === 1 ? { ...m, content: `Tell me about mountains. ${m.content}` } : m));
    const e = await resuming();
    const r = await restoreSnapshot(e, { conversationId: "conv05", model, template, messages: edited, dir });
    assert.deepEqual([r.outcome, r.reusedTokens], ["prefix-mismatch", 0]);
    assert.equal((await reply(e, edited)).text, SCRIPT_REPLY);
  });

  it("falls back from a truncated state file, a corrupt description or foreign tokens", async () => {
    const dir = tempDir();
    const { model, next, template } = await savedConversation("conv06", dir);
    const state = snapshotPath("conv06", "state", dir);
    const metaPath = snapshotPath("conv06", "json", dir);
    const good = readFileSync(metaPath, "utf8");
    const e = await resuming();
    const resume = async () => {
      const r = await restoreSnapshot(e, { conversationId: "conv06", model, template, messages: next, dir });
      assert.deepEqual([r.outcome, r.reusedTokens], ["damaged", 0], r.detail);
      assert.equal((await reply(e, next)).text, SCRIPT_REPLY);
    };

    // Tokens that differ from what the state holds: loaded, checked, and dropped, so the whole
    // prompt is evaluated again.
    const meta = JSON.parse(good);
    meta.tokens[meta.tokens.length - 1] += 1;
    writeFileSync(metaPath, JSON.stringify(meta));
    const r = await restoreSnapshot(e, { conversationId: "conv06", model, template, messages: next, dir });
    assert.equal(r.outcome, "damaged");
    const again = await reply(e, next);
    assert.equal(again.text, SCRIPT_REPLY);
    assert.ok(again.evaluated >= e.countTokens(next) - 1, `${again.evaluated}`);

    for (const text of ["{not json", "", JSON.stringify({ ...JSON.parse(good), tokens: "x" })]) {
      writeFileSync(metaPath, text);
      await resume();
    }

    writeFileSync(metaPath, good);
    truncateSync(state, Math.floor(statSync(state).size / 2));
    await resume();
    // A state file of the right size with other bytes.
    writeFileSync(state, Buffer.alloc(JSON.parse(good).stateBytes, 7));
    await resume();
  });

  it("prunes the oldest snapshots to stay under the cap, never the one just written", async () => {
    const dir = tempDir();
    const first = await savedConversation("old001", dir);
    const age = (id: string, seconds: number) => {
      const when = Date.now() / 1000 - seconds;
      for (const kind of ["state", "json"]) utimesSync(snapshotPath(id, kind, dir), when, when);
    };
    age("old001", 300);
    await savedConversation("mid002", dir);
    age("mid002", 200);
    const one = snapshotGroups(dir).find((g) => g.id === "mid002")?.bytes ?? 0;
    const cap = Math.floor(one * 2.5);
    const last = await savedConversation("new003", dir, cap);
    assert.deepEqual(last.saved.pruned, ["old001"]);
    const left = snapshotGroups(dir);
    assert.deepEqual(left.map((g) => g.id).sort(), ["mid002", "new003"]);
    assert.ok(left.reduce((sum, g) => sum + g.bytes, 0) <= cap);

    const e = await resuming();
    await reply(e, FIRST);
    const tooSmall = await saveSnapshot(e, {
      conversationId: "big004",
      model: first.model,
      template: e.info.template,
      capBytes: 1000,
      dir,
    });
    assert.equal(tooSmall.outcome, "over-cap");
    assert.deepEqual(
      snapshotGroups(dir).map((g) => g.id),
      ["mid002", "new003"],
    );
  });

  it("saves nothing for an empty context", async () => {
    const dir = tempDir();
    const e = await engine(fixture("no-template"));
    const r = await saveSnapshot(e, {
      conversationId: "empty1",
      model: modelIdentity(pathOf(e)),
      template: e.info.template,
      capBytes: 1 << 30,
      dir,
    });
    assert.equal(r.outcome, "empty");
    assert.deepEqual(snapshotGroups(dir), []);
  });
});
