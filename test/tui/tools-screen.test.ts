/** Tool calls in the chat screen over a scripted engine: the question, its keys, each call and result as a row, and the loop. */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { DECLINED } from "../../src/tools/index.ts";
import { ASK_GUARD_MS } from "../../src/tui/tool-approval.ts";
import { LEFT_UNANSWERED, MAX_TOOL_ROUNDS } from "../../src/tui/tool-turn.ts";
import type { EnginePart } from "../../src/engine/engine.ts";
import { conversationOver } from "../helpers/conversation.ts";
import { ScriptedEngine, toolCall } from "./fake-engine.ts";
import { screen, until } from "./screen.ts";

const cwd = mkdtempSync(join(tmpdir(), "parley-tools-screen-"));
writeFileSync(join(cwd, "notes.txt"), "remember the milk\n");

function chat(replies: EnginePart[][], tools: string[], options: { yes?: boolean } = {}) {
  const engine = new ScriptedEngine(replies);
  const session = conversationOver(engine, [], [{ source: "flag", values: { tools } }]);
  const s = screen({ session, cwd, yes: options.yes ?? false });
  return { ...s, engine };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("tool calls in the chat screen", () => {
  test("a shell call is shown in full and asked about; y runs it; the result is a row and goes back to the model", async () => {
    const c = chat(
      [
        toolCall(0, "shell", { command: "echo made > made.txt && cat notes.txt" }),
        [{ type: "text", text: "All done." }],
      ],
      ["read_file", "shell"],
    );
    await c.ready();
    c.type("go");
    await until(() => c.last().includes("> go"), "typed");
    c.type("\r");
    await until(() => c.last().includes("Run this tool call?"), "the question");
    assert.match(c.last(), /assistant · tool call\nshell echo made > made\.txt && cat notes\.txt/);
    assert.match(c.last(), /asking · /);
    // The offered tools went with the request.
    assert.deepEqual(
      c.engine.requests[0]?.tools?.tools.map((t) => t.function.name),
      ["read_file", "shell"],
    );
    assert.equal(existsSync(join(cwd, "made.txt")), false);
    await wait(ASK_GUARD_MS + 50);
    c.type("y");
    await until(() => c.last().includes("idle ·"), "the turn's end");
    assert.equal(existsSync(join(cwd, "made.txt")), true);
    assert.match(c.frames(), /tool · shell\nremember the milk\n\[exit status 0\]/);
    assert.match(c.frames(), /assistant\nAll done\./);
    const roles = c.session.messages.map((m) => m.role);
    assert.deepEqual(roles, ["user", "assistant", "tool", "assistant"]);
    assert.equal(c.session.messages[2]?.content, "remember the milk\n[exit status 0]");
    // The second request carried the call and its result.
    assert.deepEqual(
      c.engine.requests[1]?.messages.map((m) => m.role),
      ["user", "assistant", "tool"],
    );
    c.app.unmount();
  });

  test("keys typed at once (a burst, or before the guard) do not approve; n declines and the model is told", async () => {
    const c = chat([toolCall(0, "shell", { command: "touch never.txt" }), [{ type: "text", text: "OK." }]], ["shell"]);
    await c.ready();
    c.type("go");
    await until(() => c.last().includes("> go"), "typed");
    c.type("\r");
    await until(() => c.last().includes("Run this tool call?"), "the question");
    c.type("y");
    await wait(ASK_GUARD_MS + 50);
    c.type("yy");
    await wait(50);
    assert.match(c.last(), /press y to run the tool call, or n \(or Esc\) to decline it/);
    assert.match(c.last(), /Run this tool call\?/);
    c.type("n");
    await until(() => c.last().includes("idle ·"), "the turn's end");
    assert.equal(existsSync(join(cwd, "never.txt")), false);
    assert.equal(c.session.messages[2]?.content, DECLINED);
    assert.match(c.frames(), new RegExp(`tool · shell\\n${DECLINED}`));
    c.app.unmount();
  });

  test("--yes runs read_file without asking", async () => {
    const c = chat(
      [toolCall(0, "read_file", { path: "notes.txt" }), [{ type: "text", text: "Read." }]],
      ["read_file"],
      {
        yes: true,
      },
    );
    await c.ready();
    c.type("go");
    await until(() => c.last().includes("> go"), "typed");
    c.type("\r");
    await until(() => c.session.messages.length === 4 && c.last().includes("idle ·"), "the turn's end");
    assert.doesNotMatch(c.frames(), /Run this tool call\?/);
    assert.match(c.frames(), /\[run without asking: --yes\]/);
    assert.equal(c.session.messages[2]?.content, "remember the milk\n");
    c.app.unmount();
  });

  test("Ctrl+C at the question declines every call of the reply and ends the turn; the next message goes on", async () => {
    const c = chat(
      [
        [...toolCall(0, "shell", { command: "touch a.txt" }), ...toolCall(1, "shell", { command: "touch b.txt" })],
        [{ type: "text", text: "Fine." }],
      ],
      ["shell"],
    );
    await c.ready();
    c.type("go");
    await until(() => c.last().includes("> go"), "typed");
    c.type("\r");
    await until(() => c.last().includes("Run this tool call?"), "the question");
    c.type("\u0003");
    await until(() => c.last().includes("idle ·"), "the turn's end");
    assert.deepEqual(
      c.session.messages.map((m) => m.role),
      ["user", "assistant", "tool", "tool"],
    );
    assert.equal(c.engine.requests.length, 1);
    c.type("next");
    await until(() => c.last().includes("> next"), "typed");
    c.type("\r");
    await until(() => c.session.messages.length === 6 && c.last().includes("idle ·"), "the next reply");
    assert.equal(c.session.messages.at(-1)?.content, "Fine.");
    c.app.unmount();
  });

  test(`at most ${MAX_TOOL_ROUNDS} rounds of tool calls for one message`, async () => {
    const rounds = Array.from({ length: MAX_TOOL_ROUNDS + 2 }, () => toolCall(0, "read_file", { path: "notes.txt" }));
    const c = chat(rounds, ["read_file"], { yes: true });
    await c.ready();
    c.type("go");
    await until(() => c.last().includes("> go"), "typed");
    c.type("\r");
    await until(() => c.frames().includes("rounds of tool calls for one message"), "the limit", 20_000);
    await until(() => c.last().includes("idle ·"), "the turn's end");
    assert.equal(c.engine.requests.length, MAX_TOOL_ROUNDS + 1);
    assert.match(c.session.messages.at(-1)?.content ?? "", /^not run: the limit of 8 rounds/);
    c.app.unmount();
  });

  test("Esc while a tool runs stops it; the turn ends there", async () => {
    const c = chat([toolCall(0, "shell", { command: "echo started; sleep 30" })], ["shell"]);
    await c.ready();
    c.type("go");
    await until(() => c.last().includes("> go"), "typed");
    c.type("\r");
    await until(() => c.last().includes("Run this tool call?"), "the question");
    await wait(ASK_GUARD_MS + 50);
    c.type("y");
    await until(() => c.last().includes("running shell"), "the running tool");
    c.type("\u001b");
    await until(() => c.last().includes("idle ·"), "the turn's end", 10_000);
    assert.match(c.session.messages[2]?.content ?? "", /^started\n\[stopped by the user\]$/);
    assert.equal(c.engine.requests.length, 1);
    c.app.unmount();
  });

  test("a call a resumed conversation left unanswered is answered as not run before the next message", async () => {
    const engine = new ScriptedEngine([[{ type: "text", text: "Hi again." }]]);
    const session = conversationOver(engine, [
      { role: "user", content: "look" },
      {
        role: "assistant",
        content: "",
        tool_calls: [{ id: "c1", type: "function", function: { name: "shell", arguments: '{"command":"ls"}' } }],
      },
    ]);
    const c = screen({ session, cwd });
    await c.ready();
    c.type("hello");
    await until(() => c.last().includes("> hello"), "typed");
    c.type("\r");
    await until(() => session.messages.length === 5 && c.last().includes("idle ·"), "the reply");
    assert.deepEqual(
      session.messages.map((m) => m.role),
      ["user", "assistant", "tool", "user", "assistant"],
    );
    assert.equal(session.messages[2]?.content, LEFT_UNANSWERED);
    assert.match(c.frames(), /tool · shell\nnot run: the chat ended before this call was answered/);
    c.app.unmount();
  });

  test("a resumed conversation shows its calls and results as rows again", async () => {
    const engine = new ScriptedEngine([]);
    const session = conversationOver(engine, [
      { role: "user", content: "look" },
      {
        role: "assistant",
        content: "",
        tool_calls: [{ id: "c1", type: "function", function: { name: "shell", arguments: '{"command":"ls -la"}' } }],
      },
      { role: "tool", tool_call_id: "c1", content: "notes.txt\n[exit status 0]" },
      { role: "assistant", content: "One file." },
    ]);
    const c = screen({ session, cwd });
    await c.ready();
    assert.match(
      c.frames(),
      /you\nlook\n\nassistant · tool call\nshell ls -la\n\ntool · shell\nnotes\.txt\n\[exit status 0\]\n\nassistant\nOne file\./,
    );
    c.app.unmount();
  });
});
