/**
 * core/Conversation: each operation's events in order, exactly one terminal event, aborts,
 * errors without throws, what is recorded, the context policy, snapshot decisions and where
 * each setting comes from. On a scripted engine and on the real engine with GGUF fixtures.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { ChatEvent } from "../../src/chat/events.ts";
import type { Message } from "../../src/chat/types.ts";
import { Conversation } from "../../src/core/conversation.ts";
import { resolveSettings } from "../../src/settings/resolve.ts";
import { loadSettings } from "../../src/core/layers.ts";
import { openConversation } from "../../src/core/open.ts";
import type { ChatEngine, EngineInfo, GenerateRequest, EnginePart } from "../../src/engine/engine.ts";
import { ContextOverflowError, RuntimeError } from "../../src/errors.ts";
import { readConversation } from "../../src/store/conversations.ts";
import { addPreset } from "../../src/store/presets.ts";
import { tempHome } from "../helpers/cli.ts";
import { conversationOver, drain } from "../helpers/conversation.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

const home = tempHome();
process.env.PARLEY_HOME = home;

const INFO: EngineInfo = { name: "scripted", template: "test", backend: "none", contextSize: 200 };

/** A scripted engine: one token a word; counts a message as its words plus 2. */
class Scripted implements ChatEngine {
  readonly info: EngineInfo;
  requests: GenerateRequest[] = [];
  constructor(
    private readonly words: string[] = ["Hello", " there"],
    private readonly fail?: { after: number; error: Error },
    contextSize = 200,
  ) {
    this.info = { ...INFO, contextSize };
  }
  readonly tokens = {
    countTokens: (messages: readonly Message[]): number =>
      messages.reduce((n, m) => n + m.content.split(/\s+/).filter(Boolean).length + 2, 0),
    promptTokens: (): number[] => [],
  };
  async *generate(request: GenerateRequest): AsyncGenerator<EnginePart> {
    this.requests.push(request);
    const startedAt = performance.now();
    const prompt = this.tokens.countTokens(request.messages);
    yield { type: "prompt", tokens: prompt };
    let n = 0;
    for (const word of this.words) {
      if (this.fail && n === this.fail.after) throw this.fail.error;
      if (request.signal?.aborted) break;
      yield { type: "text", text: word };
      n++;
      await new Promise((r) => setTimeout(r, 2));
    }
    yield {
      type: "finish",
      result: {
        stopReason: request.signal?.aborted ? "abort" : "stop",
        promptTokens: prompt,
        completionTokens: n,
        startedAt,
        firstTokenAt: startedAt,
        endedAt: performance.now(),
      },
    };
  }
  async dispose(): Promise<void> {}
}

const types = (events: ChatEvent[]): string[] => events.map((e) => e.type);
const terminal = (events: ChatEvent[]): ChatEvent[] => events.filter((e) => e.type === "done" || e.type === "error");

describe("Conversation on a scripted engine", () => {
  it("send streams start, prompt, tokens, then exactly one done with the reply", async () => {
    const c = conversationOver(new Scripted());
    const events = await drain(c.send("hi"));
    assert.deepEqual(types(events), ["start", "prompt", "token", "token", "done"]);
    const done = events.at(-1);
    assert.ok(done?.type === "done" && done.reply);
    assert.equal(done.reply.message.content, "Hello there");
    assert.deepEqual(
      c.messages.map((m) => m.role),
      ["user", "assistant"],
    );
  });

  it("a failure before any text is one error event, never a throw, and the prompt is given back", async () => {
    const c = conversationOver(new Scripted(["x"], { after: 0, error: new Error("boom") }));
    const events = await drain(c.send("lost?"));
    assert.deepEqual(types(events), ["start", "prompt", "error"]);
    const error = events.at(-1);
    assert.ok(error?.type === "error");
    assert.ok(error.error instanceof RuntimeError);
    assert.equal(error.prompt, "lost?");
    assert.deepEqual(c.messages, []);
    assert.equal(c.generating, false);
  });

  it("a failure after some text keeps the prompt and reports one error", async () => {
    const c = conversationOver(new Scripted(["a", "b"], { after: 1, error: new Error("broke") }));
    const events = await drain(c.send("hi"));
    assert.equal(terminal(events).length, 1);
    assert.equal(events.at(-1)?.type, "error");
    assert.deepEqual(
      c.messages.map((m) => m.content),
      ["hi"],
    );
  });

  it("abort ends the reply as interrupted and keeps what was written", async () => {
    const c = conversationOver(new Scripted(Array.from({ length: 50 }, () => "la")));
    const events: ChatEvent[] = [];
    for await (const event of c.send("sing")) {
      events.push(event);
      if (event.type === "token" && events.filter((e) => e.type === "token").length === 3) c.abort();
    }
    const done = events.at(-1);
    assert.ok(done?.type === "done" && done.reply);
    assert.equal(done.reply.interrupted, true);
    assert.ok(done.reply.message.content.length >= 6 && done.reply.message.content.length < 100);
    assert.equal(c.messages.at(-1)?.content, done.reply.message.content);
  });

  it("a second operation while a reply is written is an error event, and the first goes on", async () => {
    const c = conversationOver(new Scripted(["a", "b", "c"]));
    const first = drain(c.send("one"));
    const second = await drain(c.send("two"));
    assert.deepEqual(types(second), ["error"]);
    assert.equal((await first).at(-1)?.type, "done");
    assert.deepEqual(
      c.messages.map((m) => m.content),
      ["one", "abc"],
    );
  });

  it("retry replaces the last reply, continue joins it, undo removes the exchange", async () => {
    const engine = new Scripted(["la"]);
    const c = conversationOver(engine);
    await drain(c.send("hi"));
    assert.deepEqual(types(await drain(c.retry())), ["start", "prompt", "token", "done"]);
    assert.deepEqual(
      c.messages.map((m) => m.content),
      ["hi", "la"],
    );
    const cont = await drain(c.continue());
    const done = cont.at(-1);
    assert.ok(done?.type === "done" && done.reply);
    assert.equal(done.reply.message.content, "la");
    assert.equal(engine.requests.at(-1)?.messages.at(-1)?.role, "assistant");
    assert.deepEqual(
      c.messages.map((m) => m.content),
      ["hi", "lala"],
    );
    const undone = await drain(c.undo());
    assert.deepEqual(types(undone), ["done"]);
    assert.equal(undone[0]?.type === "done" ? undone[0].removed?.length : -1, 2);
    assert.deepEqual(c.messages, []);
    const nothing = await drain(c.undo());
    assert.deepEqual(types(nothing), ["error"]);
  });

  it("drops the oldest turns when the conversation outgrows the context, says so, and keeps them in the messages", async () => {
    const engine = new Scripted(["ok"], undefined, 120);
    const long = "word ".repeat(20);
    const c = conversationOver(engine, [{ role: "system", content: "be brief" }]);
    const notices: string[] = [];
    for (let i = 0; i < 6; i++) {
      for (const e of await drain(c.send(`${i} ${long}`))) if (e.type === "notice") notices.push(e.text);
    }
    assert.ok(notices.length > 0, "a notice says messages were left out");
    assert.match(notices[0] ?? "", /oldest messages? no longer fit and (was|were) left out of what the model sees/);
    assert.equal(c.messages.length, 13, "every message is kept");
    const seen = engine.requests.at(-1)?.messages ?? [];
    assert.equal(seen[0]?.role, "system", "the system prompt stays");
    assert.ok(seen.length < c.messages.length);
    assert.ok(engine.tokens.countTokens(seen) <= 120);
    assert.ok(c.leftOut > 0);
  });

  it("with the stop policy, refuses a prompt that does not fit and does not add it", async () => {
    const engine = new Scripted(["ok"], undefined, 120);
    const long = "word ".repeat(20);
    const c = conversationOver(engine, [], [{ source: "flag", values: { "context-policy": "stop" } }]);
    let refused: ChatEvent | undefined;
    for (let i = 0; i < 6 && !refused; i++) {
      const events = await drain(c.send(`${i} ${long}`));
      if (events.at(-1)?.type === "error") refused = events.at(-1);
    }
    assert.ok(refused?.type === "error");
    assert.ok(refused.error instanceof ContextOverflowError);
    assert.match(refused.error.message, /no longer fits the context.*\/compact/);
    assert.match(refused.prompt ?? "", /word/);
    assert.equal(c.messages.at(-1)?.role, "assistant", "the refused prompt was not added");
  });

  it("a prompt larger than the whole context is refused, even alone", async () => {
    const c = conversationOver(new Scripted(["ok"], undefined, 30));
    const events = await drain(c.send("word ".repeat(40)));
    assert.deepEqual(types(events), ["error"]);
    assert.deepEqual(c.messages, []);
  });

  it("/set values win over everything, and say where they come from", () => {
    const c = conversationOver(new Scripted(), [], [{ source: "flag", values: { temperature: 0.4 } }]);
    assert.equal(c.params.temperature, 0.4);
    assert.equal(c.settings.setting("temperature").source, "flag");
    c.set("temperature", 0.1);
    assert.equal(c.params.temperature, 0.1);
    assert.equal(c.settings.setting("temperature").source, "/set");
    c.set("seed", null);
    assert.equal(c.params.seed, undefined);
    c.set("temperature", undefined);
    assert.equal(c.params.temperature, 0.4);
  });
});

describe("compact and switching models", () => {
  it("compact replaces the older turns with one summary in what the model sees, and keeps every message", async () => {
    const engine = new Scripted(["Summary", " of", " it"]);
    const c = conversationOver(engine, [{ role: "system", content: "be brief" }]);
    for (const q of ["one", "two", "three"]) await drain(c.send(q));
    const events = await drain(c.compact());
    assert.deepEqual(types(events), ["notice", "notice", "done"]);
    assert.match(events[1]?.type === "notice" ? events[1].text : "", /4 older messages are now one summary/);
    assert.equal(c.messages.length, 7, "every message is kept");
    await drain(c.send("four"));
    const seen = engine.requests.at(-1)?.messages ?? [];
    assert.equal(seen[0]?.role, "system");
    assert.match(seen[0]?.content ?? "", /^be brief\n\nSummary of the earlier conversation:\nSummary of it$/);
    assert.deepEqual(
      seen.slice(1).map((m) => m.content),
      ["three", "Summary of it", "four"],
    );
    const nothing = conversationOver(new Scripted());
    assert.equal((await drain(nothing.compact())).at(-1)?.type, "error");
  });

  it("compact in a small context summarises what fits instead of failing", async () => {
    const engine = new Scripted(["short"], undefined, 120);
    const c = conversationOver(engine);
    for (let i = 0; i < 5; i++) await drain(c.send(`${i} ${"word ".repeat(25)}`));
    const events = await drain(c.compact());
    assert.equal(events.at(-1)?.type, "done");
    const asked = engine.requests.at(-1)?.messages ?? [];
    assert.ok(engine.tokens.countTokens(asked) < 120, "the summary request fits the context");
  });

  it("switchModel goes on with the same messages on the new engine", async () => {
    const first = new Scripted(["a"]);
    const second = new Scripted(["b"]);
    const c = new Conversation({
      engine: first,
      settings: resolveSettings([]),
      loadModel: (ref) => Promise.resolve({ engine: second, path: `/models/${ref}.gguf` }),
    });
    await drain(c.send("hi"));
    const events = await drain(c.switchModel("other"));
    assert.equal(events.at(-1)?.type, "done");
    assert.equal(c.settings.get("model"), "/models/other.gguf");
    await drain(c.send("again"));
    assert.deepEqual(
      second.requests.at(-1)?.messages.map((m) => m.content),
      ["hi", "a", "again"],
    );
    const none = conversationOver(new Scripted());
    assert.equal((await drain(none.switchModel("x"))).at(-1)?.type, "error");
  });
});

describe("settings provenance", () => {
  it("orders flag > env > body > preset > config > default", () => {
    const presets = join(home, "presets-order.json");
    addPreset("cold", { system: "Be exact.", params: { temperature: 0.05, "top-k": 4, "min-p": 0.3 } }, false, presets);
    const { settings } = loadSettings({
      flags: { "max-tokens": 7 },
      env: { PARLEY_TOP_K: "9", PARLEY_PRESET: "cold" },
      body: { "min-p": 0.2, "top-k": 3 },
      configPath: join(home, "none.json"),
      presetsPath: presets,
    });
    const at = (key: string) => [settings.get(key), settings.setting(key).source];
    assert.deepEqual(at("max-tokens"), [7, "flag"]);
    assert.deepEqual(at("top-k"), [9, "env"]);
    assert.deepEqual(at("min-p"), [0.2, "request body"]);
    assert.deepEqual(at("temperature"), [0.05, "preset"]);
    assert.equal(settings.setting("temperature").label, "preset cold");
    assert.deepEqual(at("top-p"), [0.95, "default"]);
  });
});

describe("Conversation on the real engine", () => {
  const open: Conversation[] = [];
  after(async () => {
    for (const c of open) await c.close();
  });

  it("answers, records every change, and saves a snapshot when left", async () => {
    const opened = await openConversation({
      flags: { model: fixture("script"), threads: 1, "context-size": 512, temperature: 0 },
      source: "chat",
      env: {},
    });
    const c = opened.conversation;
    const events = await drain(c.send("Hi"));
    assert.deepEqual(types(events).slice(0, 2), ["start", "prompt"]);
    assert.equal(events.at(-1)?.type, "done");
    assert.equal(c.messages.at(-1)?.content, SCRIPT_REPLY);
    const id = c.id;
    assert.ok(id);
    await drain(c.undo());
    await drain(c.send("Again"));
    await c.close();
    const saved = readConversation(id);
    // The undo became a rewind: what is kept is what the conversation holds.
    assert.deepEqual(
      saved.messages.map((m) => m.content),
      ["Again", SCRIPT_REPLY],
    );
    assert.ok(
      readdirSync(join(home, "snapshots")).some((f) => f.startsWith(`${id}.`)),
      "a snapshot was saved",
    );
  });

  it("a resumed conversation restores its model and parameters; a flag still wins", async () => {
    const first = await openConversation({
      flags: { model: fixture("script"), threads: 1, temperature: 0.25, "top-k": 5 },
      source: "one-shot",
      env: {},
    });
    await drain(first.conversation.send("Hi"));
    const id = first.conversation.id;
    await first.conversation.close();
    assert.ok(id);
    const again = await openConversation({
      flags: { threads: 1, "top-k": 7 },
      resume: { id },
      source: "one-shot",
      env: {},
    });
    open.push(again.conversation);
    const s = again.conversation.settings;
    assert.deepEqual([s.get("model"), s.setting("model").source], [fixture("script"), "conversation"]);
    assert.deepEqual([s.get("temperature"), s.setting("temperature").source], [0.25, "conversation"]);
    assert.deepEqual([s.get("top-k"), s.setting("top-k").source], [7, "flag"]);
    assert.equal(again.conversation.messages.length, 2);
  });
});
