import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { conversationOver, done } from "../helpers/conversation.ts";
import { parseMessagesInput } from "../../src/chat/messages.ts";
import { completeCommand, runCommand } from "../../src/tui/commands/dispatch.ts";
import { nearest } from "../../src/tui/commands/nearest.ts";
import type { CommandContext } from "../../src/tui/commands/types.ts";
import type { ScreenAction } from "../../src/tui/screen-state.ts";
import { FAKE_INFO, FakeEngine } from "./fake-engine.ts";

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function context(session = conversationOver(new FakeEngine())) {
  const printed: string[] = [];
  const actions: ScreenAction[] = [];
  const replies: string[] = [];
  const written: string[] = [];
  let exited = false;
  const ctx: CommandContext = {
    session,
    info: FAKE_INFO,
    markdown: true,
    print: (t) => printed.push(t),
    dispatch: (a) => actions.push(a),
    startReply: (k) => replies.push(k),
    exit: () => (exited = true),
    writeTerminal: (s) => written.push(s),
    lastStats: () => undefined,
    cwd: mkdtempSync(join(tmpdir(), "parley-cmd-")),
  };
  const errors = (): string[] =>
    actions.flatMap((a) =>
      a.type === "add" && a.item.kind === "notice" && a.item.level === "error" ? [a.item.text] : [],
    );
  return { ctx, printed, actions, replies, written, errors, exited: () => exited };
}

describe("slash commands", () => {
  test("/set validates with the flag rules and applies to the session", () => {
    const c = context();
    runCommand("/set temperature 0.2", c.ctx);
    assert.equal(c.ctx.session.params.temperature, 0.2);
    runCommand("/set top_p 3", c.ctx);
    assert.match(c.errors()[0] ?? "", /invalid value for \/set top-p: "3" \(expected a number from 0 to 1\)/);
    runCommand("/set warmth 1", c.ctx);
    assert.match(c.errors()[1] ?? "", /unknown parameter "warmth"/);
    runCommand("/set max-tokens none", c.ctx);
    assert.equal(c.ctx.session.params.maxTokens, undefined);
    runCommand("/show params", c.ctx);
    assert.match(c.printed.at(-1) ?? "", /temperature\s+0\.2/);
  });

  test("an unknown command names the nearest one", () => {
    const c = context();
    runCommand("/exot", c.ctx);
    assert.equal(c.errors()[0], "unknown command /exot: did you mean /exit? (/help lists them)");
    assert.equal(nearest("zzzzzz", ["help", "exit"]), undefined);
  });

  test("/system, /undo, /clear act on the session", async () => {
    const session = conversationOver(new FakeEngine());
    const c = context(session);
    runCommand("/system Be brief.", c.ctx);
    assert.deepEqual(session.messages[0], { role: "system", content: "Be brief." });
    await done(session.send("hi"));
    assert.equal(session.messages.length, 3);
    runCommand("/undo", c.ctx);
    assert.equal(session.messages.length, 1);
    runCommand("/undo", c.ctx);
    await until(() => c.errors().length > 0);
    assert.equal(c.errors()[0], "nothing to undo");
    await done(session.send("again"));
    runCommand("/clear", c.ctx);
    assert.deepEqual(session.messages, [{ role: "system", content: "Be brief." }]);
  });

  test("/export writes JSON that --messages reads back, or Markdown", async () => {
    const session = conversationOver(new FakeEngine());
    const c = context(session);
    await done(session.send("hi"));
    runCommand("/export out.json", c.ctx);
    const parsed = parseMessagesInput(readFileSync(join(c.ctx.cwd, "out.json"), "utf8"), "out.json");
    assert.deepEqual(parsed.messages, session.messages);
    runCommand("/export out.md", c.ctx);
    assert.match(
      readFileSync(join(c.ctx.cwd, "out.md"), "utf8"),
      /^## user\n\nhi\n\n## assistant\n\nHello \*\*world\*\*\n$/,
    );
    runCommand("/copy", c.ctx);
    assert.equal(c.written[0], `\u001b]52;c;${Buffer.from("Hello **world**").toString("base64")}\u0007`);
  });

  test("/retry, /continue, /markdown and /exit go through the context", () => {
    const c = context();
    runCommand("/retry", c.ctx);
    runCommand("/continue", c.ctx);
    assert.deepEqual(c.replies, ["retry", "continue"]);
    runCommand("/markdown off", c.ctx);
    assert.deepEqual(c.actions.at(-1), { type: "markdown", on: false });
    runCommand("/exit", c.ctx);
    assert.ok(c.exited());
  });

  test("Tab completes names and arguments", () => {
    assert.deepEqual(completeCommand("/he"), { text: "/help ", candidates: [] });
    assert.deepEqual(completeCommand("/s").candidates, ["/system", "/set", "/show", "/stats", "/save"]);
    assert.deepEqual(completeCommand("/set temp"), { text: "/set temperature ", candidates: [] });
    assert.deepEqual(completeCommand("/show m"), { text: "/show model ", candidates: [] });
    assert.deepEqual(completeCommand("hello"), { text: undefined, candidates: [] });
  });
});

describe("session methods for the chat", () => {
  test("retry replaces the last reply; continue appends to it", async () => {
    const engine = new FakeEngine(["la"]);
    const session = conversationOver(engine);
    await done(session.send("hi"));
    await done(session.retry());
    assert.deepEqual(
      session.messages.map((m) => m.content),
      ["hi", "la"],
    );
    await done(session.continue());
    assert.deepEqual(
      session.messages.map((m) => m.content),
      ["hi", "lala"],
    );
    assert.equal(engine.requests.at(-1)?.messages.at(-1)?.role, "assistant");
  });
});

describe("/compact", () => {
  /** An engine whose token counts follow the text's length, as a real one's do. */
  class CountingEngine extends FakeEngine {
    override readonly tokens = {
      countTokens: (messages: readonly { content: string }[]) =>
        messages.reduce((sum, m) => sum + Math.ceil(m.content.length / 4) + 4, 0),
      promptTokens: (messages: readonly unknown[]) => messages.map(() => 0),
    };
  }

  async function compacted(summary: string) {
    const engine = new CountingEngine([summary]);
    const session = conversationOver(engine, [
      { role: "user", content: "one" },
      { role: "assistant", content: "first" },
      { role: "user", content: "two" },
      { role: "assistant", content: "second" },
      { role: "user", content: "three" },
      { role: "assistant", content: "third" },
    ]);
    const c = context(session);
    runCommand("/compact", c.ctx);
    // The context figure is given once the operation is done; the command's own line follows at once.
    await until(() => c.actions.some((a) => a.type === "context"));
    return c;
  }

  test("a summary longer than what it replaces is said, with the figures", async () => {
    const c = await compacted("x".repeat(400));
    assert.match(
      c.printed.at(-1) ?? "",
      /^the summary is no shorter than the messages it replaces: the context now holds \d+ tokens \(\d+ before\)$/,
    );
  });

  test("a shorter summary says nothing more", async () => {
    const c = await compacted("short");
    assert.match(c.printed.at(-1) ?? "", /^the 4 older messages are now one summary/);
  });

  test("/show model names the token predictor when one is used", () => {
    class Predicting extends FakeEngine {
      override readonly info = { ...FAKE_INFO, predictor: "draft model small.gguf" };
    }
    const plain = context();
    runCommand("/show model", plain.ctx);
    assert.doesNotMatch(plain.printed.join("\n"), /predictor/);
    const c = context(conversationOver(new Predicting()));
    runCommand("/show model", c.ctx);
    assert.match(c.printed.join("\n"), /\npredictor {2}draft model small\.gguf$/);
  });
});
