/** Tool calls in the chat screen's logic: the yes/no keys, each call and result as rows, the results given to the conversation. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { DECLINED, ToolBox } from "../../src/tools/index.ts";
import { statusParts } from "../../src/tui/format.ts";
import { askKey, ASK_GUARD_MS } from "../../src/tui/tool-approval.ts";
import { shownCall, shownResult } from "../../src/tui/components/ToolRows.tsx";
import { initialScreen, screenReducer, type ScreenAction, type ScreenState } from "../../src/tui/screen-state.ts";
import {
  answerToolCalls,
  STOPPED,
  TOO_MANY_ROUNDS,
  type Answer,
  type ToolConversation,
} from "../../src/tui/tool-turn.ts";

const cwd = mkdtempSync(join(tmpdir(), "parley-tool-turn-"));
writeFileSync(join(cwd, "notes.txt"), "remember the milk\n");

class Calls implements ToolConversation {
  results: { id: string; content: string }[] = [];
  constructor(private readonly calls: { id: string; name: string; args: unknown }[]) {}
  get pendingToolCalls() {
    return this.calls
      .filter((c) => !this.results.some((r) => r.id === c.id))
      .map((c) => ({ id: c.id, function: { name: c.name, arguments: JSON.stringify(c.args) } }));
  }
  addToolResult(id: string, content: string): void {
    assert.ok(
      this.pendingToolCalls.some((c) => c.id === id),
      `${id} is not pending`,
    );
    this.results.push({ id, content });
  }
}

function turnOver(calls: Calls, answers: Answer[], options: { yes?: boolean; allowed?: boolean } = {}) {
  const actions: ScreenAction[] = [];
  const asked: string[] = [];
  const controller = new AbortController();
  const run = answerToolCalls({
    conversation: calls,
    tools: new ToolBox(["read_file", "shell"]),
    yes: options.yes ?? false,
    cwd,
    dispatch: (a) => actions.push(a),
    ask: (text) => {
      asked.push(text);
      return Promise.resolve(answers.shift() ?? "no");
    },
    signal: controller.signal,
    ...(options.allowed === false ? { allowed: false } : {}),
  });
  const rows = () =>
    actions.flatMap((a) =>
      a.type !== "add"
        ? []
        : a.item.kind === "tool-call"
          ? [`call: ${a.item.text}`]
          : a.item.kind === "tool-result"
            ? [`${a.item.name}: ${a.item.text}`]
            : a.item.kind === "marker"
              ? [a.item.text]
              : [],
    );
  return { run, asked, rows, actions };
}

describe("the yes/no keys", () => {
  const shown = 1000;
  const later = shown + ASK_GUARD_MS;
  test("a lone y once the question has been seen is a yes; n is a no", () => {
    assert.equal(askKey({ type: "text", text: "y" }, shown, later), "yes");
    assert.equal(askKey({ type: "text", text: "Y" }, shown, later), "yes");
    assert.equal(askKey({ type: "text", text: "n" }, shown, later), "no");
  });

  test("keys at once after the question, bursts and other keys do not answer", () => {
    assert.equal(askKey({ type: "text", text: "y" }, shown, shown), "other");
    assert.equal(askKey({ type: "text", text: "y" }, shown, later - 1), "other");
    assert.equal(askKey({ type: "text", text: "yy" }, shown, later), "other");
    assert.equal(askKey({ type: "text", text: "yes" }, shown, later), "other");
    assert.equal(askKey({ type: "text", text: "hey" }, shown, later), "other");
    assert.equal(askKey({ type: "enter" }, shown, later), "other");
  });

  test("Esc is always a no, Ctrl+C always stops", () => {
    assert.equal(askKey({ type: "escape" }, shown, shown), "no");
    assert.equal(askKey({ type: "interrupt" }, shown, shown), "stop");
  });
});

describe("answering a reply's tool calls", () => {
  test("asks for each call shown in full, runs it after a yes, sends a no back as declined", async () => {
    const calls = new Calls([
      { id: "a", name: "read_file", args: { path: "notes.txt" } },
      { id: "b", name: "shell", args: { command: "echo hi there && exit 1" } },
    ]);
    const turn = turnOver(calls, ["yes", "no"]);
    assert.equal(await turn.run, "next");
    assert.deepEqual(turn.asked, ["read_file notes.txt", "shell echo hi there && exit 1"]);
    assert.deepEqual(calls.results, [
      { id: "a", content: "remember the milk\n" },
      { id: "b", content: DECLINED },
    ]);
    assert.deepEqual(turn.rows(), [
      "call: read_file notes.txt",
      "read_file: remember the milk\n",
      "call: shell echo hi there && exit 1",
      `shell: ${DECLINED}`,
    ]);
  });

  test("--yes runs read_file without asking, and still asks for shell", async () => {
    const calls = new Calls([
      { id: "a", name: "read_file", args: { path: "notes.txt" } },
      { id: "b", name: "shell", args: { command: "echo ran" } },
    ]);
    const turn = turnOver(calls, ["yes"], { yes: true });
    assert.equal(await turn.run, "next");
    assert.deepEqual(turn.asked, ["shell echo ran"]);
    assert.deepEqual(
      calls.results.map((r) => r.content),
      ["remember the milk\n", "ran\n[exit status 0]"],
    );
    assert.ok(turn.rows().includes("[run without asking: --yes]"));
  });

  test("Ctrl+C declines the call and every one after it without asking, and ends the turn", async () => {
    const calls = new Calls([
      { id: "a", name: "shell", args: { command: "touch made-a" } },
      { id: "b", name: "shell", args: { command: "touch made-b" } },
    ]);
    const turn = turnOver(calls, ["stop"]);
    assert.equal(await turn.run, "stopped");
    assert.equal(turn.asked.length, 1);
    assert.deepEqual(
      calls.results.map((r) => r.content),
      [DECLINED, STOPPED],
    );
  });

  test("a call of an unknown tool or with bad arguments is answered without asking", async () => {
    const calls = new Calls([
      { id: "a", name: "delete_everything", args: {} },
      { id: "b", name: "read_file", args: { path: "../outside" } },
    ]);
    const turn = turnOver(calls, ["yes"]);
    assert.equal(await turn.run, "next");
    assert.deepEqual(turn.asked, ["read_file ../outside"]);
    assert.match(calls.results[0]?.content ?? "", /no tool named "delete_everything"/);
    assert.match(calls.results[1]?.content ?? "", /leads outside the working folder/);
  });

  test("past the rounds allowed, calls are answered as not run and the turn ends", async () => {
    const calls = new Calls([{ id: "a", name: "shell", args: { command: "echo no" } }]);
    const turn = turnOver(calls, [], { allowed: false });
    assert.equal(await turn.run, "stopped");
    assert.deepEqual(turn.asked, []);
    assert.deepEqual(calls.results, [{ id: "a", content: TOO_MANY_ROUNDS }]);
  });
});

describe("tool rows on the screen", () => {
  function run(state: ScreenState, ...actions: ScreenAction[]): ScreenState {
    return actions.reduce(screenReducer, state);
  }
  const base = run(initialScreen({ markdown: false, showReasoning: false }), {
    type: "loaded",
    header: { model: "m", template: "t", backend: "CPU", contextSize: 100 },
    contextUsed: 0,
  });

  test("a reply with tool calls keeps the turn going; the question and the running tool show in the status line", () => {
    let s = run(
      base,
      { type: "reply-start" },
      { type: "reply-end", outcome: "stop", contextUsed: 5, toolsFollow: true },
    );
    assert.equal(s.phase, "generating");
    s = run(s, { type: "asking", asking: { text: "shell ls", shownAt: 0 } });
    assert.match(statusParts(s).join(" · "), /^asking · .*y run it · n or Esc: no$/);
    s = run(s, { type: "asking", asking: undefined }, { type: "tool-running", name: "shell" });
    assert.match(statusParts(s)[0] ?? "", /^running shell$/);
    s = run(s, { type: "reply-start" }, { type: "reply-end", outcome: "stop", contextUsed: 9 });
    assert.equal(s.phase, "idle");
    assert.equal(s.asking, undefined);
    assert.equal(s.runningTool, undefined);
  });

  test("a long result is shown cut, escape sequences made harmless", () => {
    const long = Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n");
    const shown = shownResult(long);
    assert.match(shown, /^line 0\n/);
    assert.match(shown, /line 29\n\[… 20 more lines sent to the model\]$/);
    assert.equal(shownResult("\u001b]0;evil\u0007ok"), "^[]0;evil^Gok");
  });

  test("a call shows its hidden characters: a command cannot pass for another", () => {
    assert.equal(shownCall("shell echo safe \u202e; rm -rf ~"), "shell echo safe <U+202E>; rm -rf ~");
    assert.equal(shownCall("shell a\u200bb\rc"), "shell a<U+200B>b^Mc");
  });
});
