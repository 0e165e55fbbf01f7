/** Leaving the chat, /undo to nothing, and commands that load (/model, /resume) with messages typed meanwhile. */
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { describe, test } from "node:test";
import { DEFAULT_PARAMS } from "../../src/chat/params.ts";
import { Conversation, type LoadedModel } from "../../src/core/conversation.ts";
import { Persistence } from "../../src/core/persistence.ts";
import { resolveSettings } from "../../src/settings/resolve.ts";
import { conversationPath } from "../../src/store/conversation-files.ts";
import { readConversation, removeConversation } from "../../src/store/conversations.ts";
import { tempHome } from "../helpers/cli.ts";
import { drain } from "../helpers/conversation.ts";
import { FakeEngine } from "./fake-engine.ts";
import { screen, until } from "./screen.ts";

process.env.PARLEY_HOME = tempHome();

async function recorded(
  engine: FakeEngine,
  options: { history?: boolean; loadModel?: (ref: string) => Promise<LoadedModel> } = {},
) {
  const persistence = new Persistence({
    history: options.history ?? true,
    model: { name: "fake.gguf", path: "/models/fake.gguf" },
    template: "ChatML",
    params: DEFAULT_PARAMS,
    source: "chat",
    snapshots: { capBytes: 0, minTokens: 0 },
  });
  await persistence.open([]);
  return new Conversation({
    engine,
    settings: resolveSettings([]),
    persistence,
    loadModel: options.loadModel,
    release: (e) => e.dispose(),
  });
}

/** A promise with its resolve at hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const LONG = Array.from({ length: 400 }, () => "la");

describe("leaving the chat", () => {
  test("a message queued behind a running reply is never sent or saved once the user has left", async () => {
    const engine = new FakeEngine(LONG);
    const session = await recorded(engine);
    const s = screen({ session });
    await s.ready();
    s.type("sing");
    s.type("\r");
    await until(() => session.generating, "the reply");
    s.type("queued words");
    s.type("\r");
    await until(() => s.last().includes('queued: "queued words"'), "the queued row");
    const id = session.id ?? "";
    s.type("\u0004");
    // What the chat's start does when the screen is gone: the reply stops and the conversation is left.
    await session.close();
    assert.equal(engine.requests.length, 1, "nothing more was sent");
    assert.deepEqual(
      session.messages.map((m) => m.role),
      ["user", "assistant"],
    );
    const saved = readConversation(id);
    assert.ok(!saved.messages.some((m) => m.content.includes("queued words")), "the queued text was not saved");
  });

  test("a conversation that was left takes nothing more", async () => {
    const session = await recorded(new FakeEngine());
    await session.close();
    const events = await drain(session.send("late"));
    assert.equal(events.at(-1)?.type, "error");
    assert.equal(session.messages.length, 0);
  });
});

describe("/undo to an empty conversation", () => {
  test("is written, so the undone exchange does not come back", async () => {
    const session = await recorded(new FakeEngine());
    await drain(session.send("my secret is hunter2"));
    const id = session.id ?? "";
    assert.equal(readConversation(id).messages.length, 2);
    await drain(session.undo());
    await session.close();
    assert.deepEqual(readConversation(id).messages, []);
  });
});

describe("history rm of a conversation a chat has open", () => {
  test("is refused, naming the conversation and the parley that holds it", async () => {
    const session = await recorded(new FakeEngine());
    await drain(session.send("hello"));
    const id = session.id ?? "";
    // The chat holds its new conversation's lock, as it holds a resumed one's.
    assert.throws(
      () => removeConversation(id),
      new RegExp(
        `^UsageError: conversation ${id} is open in another parley \\(process ${process.pid}\\): leave that chat first`,
      ),
    );
    assert.ok(existsSync(conversationPath(id)));
    await session.close();
    removeConversation(id);
    assert.ok(!existsSync(conversationPath(id)));
  });

  test("/save after the file was removed writes it again and says where", async () => {
    const session = await recorded(new FakeEngine(), { history: false });
    await drain(session.send("hello"));
    const first = session.save("");
    rmSync(conversationPath(first));
    await drain(session.send("again"));
    const second = session.save("");
    assert.ok(existsSync(conversationPath(second)), "saved means on disk");
    assert.equal(readConversation(second).messages.length, 4);
    await session.close();
  });
});

describe("/model while messages are typed", () => {
  test("a message queued while /model loads is sent when the load ends, before anything else", async () => {
    const load = deferred<LoadedModel>();
    const next = new FakeEngine(["from the new model"]);
    const session = await recorded(new FakeEngine(), { loadModel: () => load.promise });
    const s = screen({ session });
    await s.ready();
    s.type("/model other");
    s.type("\r");
    await until(() => s.frames().includes("loading other…"), "the load");
    s.type("typed meanwhile");
    s.type("\r");
    await until(() => s.last().includes('queued: "typed meanwhile"'), "queued");
    load.resolve({ engine: next, path: "/models/other.gguf" });
    await until(() => session.messages.length === 2 && !session.generating, "the queued message answered");
    assert.equal(session.messages[0]?.content, "typed meanwhile");
    assert.equal(next.requests.length, 1);
    await until(() => !s.last().includes("queued:"), "the queued row gone");
    s.app.unmount();
    await session.close();
  });

  test("Ctrl+C stops a /model load: the old model stays, the new one is let go when it arrives", async () => {
    const load = deferred<LoadedModel>();
    const next = new FakeEngine();
    let disposed = false;
    next.dispose = () => {
      disposed = true;
      return Promise.resolve();
    };
    const session = await recorded(new FakeEngine(), { loadModel: () => load.promise });
    const s = screen({ session });
    await s.ready();
    s.type("/model other");
    s.type("\r");
    await until(() => s.frames().includes("loading other…"), "the load");
    s.type("\u0003");
    await until(
      () => s.frames().includes("stopped loading the model; the conversation goes on with the one it had"),
      "stopped",
    );
    assert.equal(session.generating, false);
    assert.equal(session.info.name, "fake.gguf");
    load.resolve({ engine: next, path: "/models/other.gguf" });
    await until(() => disposed, "the late model let go");
    s.type("still here");
    s.type("\r");
    await until(() => session.messages.length === 2, "a reply from the old model");
    assert.equal(next.requests.length, 0);
    s.app.unmount();
    await session.close();
  });
});
