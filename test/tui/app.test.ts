import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { render } from "ink-testing-library";
import { createElement } from "react";
import { conversationOver } from "../helpers/conversation.ts";
import { App } from "../../src/tui/App.tsx";
import { FakeEngine } from "./fake-engine.ts";

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup(pieces?: string[], history: string[] = []) {
  const engine = new FakeEngine(pieces);
  const session = conversationOver(engine);
  const app = render(
    createElement(App, {
      load: () => Promise.resolve({ conversation: session }),
      initialHistory: history,
      markdown: false,
      writeTerminal: () => undefined,
    }),
  );
  const frames = (): string => app.frames.join("\n");
  return { app, session, frames, type: (s: string) => app.stdin.write(s) };
}

describe("the chat screen", () => {
  test("shows the header, sends on Enter and shows the role-tagged reply", async () => {
    const { app, session, type, frames } = setup();
    await until(() => (app.lastFrame() ?? "").includes("idle ·"), "ready");
    assert.match(app.lastFrame() ?? "", /parley · fake\.gguf · ChatML · CPU · context 1000/);
    type("hi");
    await until(() => (app.lastFrame() ?? "").includes("> hi"), "typed text");
    type("\r");
    await until(() => session.messages.length === 2 && (app.lastFrame() ?? "").includes("idle ·"), "reply");
    assert.match(frames(), /you\nhi\n\nassistant\nHello \*\*world\*\*/);
    assert.match(app.lastFrame() ?? "", /last 2 tok/);
    app.unmount();
  });

  test("a bracketed paste stays one message; Alt+Enter adds a line", async () => {
    const { app, session, type } = setup();
    await until(() => (app.lastFrame() ?? "").includes("idle ·"), "ready");
    type("\u001b[200~one\rtwo\u001b[201~");
    type("\u001b\r");
    type("three");
    await until(() => (app.lastFrame() ?? "").includes("three"), "typed text");
    type("\r");
    await until(() => session.messages.length === 2, "reply");
    assert.equal(session.messages[0]?.content, "one\ntwo\nthree");
    app.unmount();
  });

  test("Up recalls history; Ctrl+C clears the input, then asks before exiting", async () => {
    const { app, type } = setup(undefined, ["older prompt"]);
    await until(() => (app.lastFrame() ?? "").includes("idle ·"), "ready");
    type("\u001b[A");
    await until(() => (app.lastFrame() ?? "").includes("> older prompt"), "recall");
    type("\u0003");
    await until(() => !(app.lastFrame() ?? "").includes("older prompt"), "cleared");
    type("\u0003");
    await until(() => (app.lastFrame() ?? "").includes("Press Ctrl+C again to exit"), "exit hint");
    app.unmount();
  });

  test("model text is sanitised before it is shown", async () => {
    const { app, session, type } = setup(["safe", "\u001b[2J", "\u001b]0;title\u0007"]);
    await until(() => (app.lastFrame() ?? "").includes("idle ·"), "ready");
    type("x");
    type("\r");
    await until(() => session.messages.length === 2 && (app.lastFrame() ?? "").includes("idle ·"), "reply");
    const all = app.frames.join("\n");
    assert.ok(all.includes("safe^[[2J^[]0;title^G"));
    assert.ok(!all.includes("\u001b[2J"));
    app.unmount();
  });
});
