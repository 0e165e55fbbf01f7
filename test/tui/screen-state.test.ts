import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { splitForCommit, tailRows } from "../../src/tui/chunking.ts";
import { queuedLine, statusParts } from "../../src/tui/format.ts";
import {
  BUSY_HINT,
  initialScreen,
  NOT_SENT_MARKER,
  screenReducer,
  type ScreenAction,
  type ScreenState,
} from "../../src/tui/screen-state.ts";

const LIMIT = { columns: 80, rows: 10 };
const header = { model: "m.gguf", template: "ChatML", backend: "CPU", contextSize: 100 };

function run(state: ScreenState, ...actions: ScreenAction[]): ScreenState {
  return actions.reduce(screenReducer, state);
}

describe("splitting a streamed reply", () => {
  test("markdown is frozen at blank lines outside fenced code", () => {
    assert.equal(splitForCommit("one line", true, LIMIT), undefined);
    assert.deepEqual(splitForCommit("para one\n\npara two", true, LIMIT), {
      commit: "para one\n",
      rest: "para two",
      joined: false,
    });
    assert.equal(splitForCommit("```\ncode\n\nmore", true, LIMIT), undefined);
  });

  test("raw text is frozen line by line, the lines joined without a gap", () => {
    assert.deepEqual(splitForCommit("a\nb", false, LIMIT), { commit: "a", rest: "b", joined: true });
  });

  test("markdown prose is frozen line by line; lists, tables and headings wait for their block to end", () => {
    assert.deepEqual(splitForCommit("one line\ntwo", true, LIMIT), { commit: "one line", rest: "two", joined: true });
    assert.deepEqual(splitForCommit("para\n\nnext line\nmore", true, LIMIT), {
      commit: "para\n\nnext line",
      rest: "more",
      joined: true,
    });
    for (const block of ["- item\n- two", "| a | b |\n|---|", "1. one\n2. two", "> quote\nmore", "# Title\ntext"]) {
      assert.equal(splitForCommit(block, true, LIMIT), undefined, block);
    }
    assert.equal(splitForCommit("text\n- item\nmore", true, LIMIT)?.commit, "text");
  });

  test("the live window on a long tail keeps its last rows", () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    assert.equal(tailRows(text, { columns: 80, rows: 3 }), "line 27\nline 28\nline 29");
    assert.equal(tailRows("short", { columns: 80, rows: 3 }), "short");
    assert.equal(tailRows("x".repeat(100), { columns: 10, rows: 2 }), "x".repeat(20));
  });

  test("a tail too tall for the screen is cut, and a cut fence is closed and reopened", () => {
    const long = "```js\n" + Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    const split = splitForCommit(long, true, LIMIT);
    assert.ok(split);
    assert.match(split.commit, /line 28\n```$/);
    assert.match(split.rest, /^```js\nline 29$/);
    const noBreak = "la".repeat(2000);
    const cut = splitForCommit(noBreak, true, LIMIT);
    assert.equal(cut?.commit.length, 4000);
    assert.equal(cut?.joined, true);
  });
});

describe("the screen reducer", () => {
  const loaded = run(initialScreen({ markdown: true, showReasoning: false }), {
    type: "loaded",
    header,
    contextUsed: 0,
  });

  test("loading puts the header first and goes idle", () => {
    assert.equal(loaded.phase, "idle");
    assert.deepEqual(loaded.items[0], { kind: "header", id: 1, info: header });
    assert.match(statusParts(loaded).join(" · "), /^idle · ctx 0\/100 \(0%\) · Enter send/);
  });

  test("a reply streams live, freezes its finished blocks and ends idle with figures", () => {
    let s = run(loaded, { type: "reply-start" }, { type: "reply-text", content: "Hello", reasoning: "", limit: LIMIT });
    assert.equal(s.phase, "generating");
    assert.equal(s.live?.content, "Hello");
    s = run(s, { type: "reply-text", content: "\n\nSecond", reasoning: "", limit: LIMIT });
    assert.deepEqual(s.items.at(-1), {
      kind: "reply",
      id: 2,
      text: "Hello\n",
      first: true,
      gap: false,
      markdown: true,
    });
    assert.equal(s.live?.content, "Second");
    s = run(s, {
      type: "reply-end",
      outcome: "interrupted",
      last: { completionTokens: 3, tokensPerSecond: 50 },
      contextUsed: 40,
    });
    assert.equal(s.live, undefined);
    assert.equal(s.phase, "idle");
    assert.deepEqual(
      s.items.slice(-2).map((i) => (i.kind === "reply" ? [i.text, i.first, i.gap] : i.kind === "marker" ? i.text : i)),
      [["Second", false, true], "[interrupted]"],
    );
    assert.match(statusParts(s).join(" · "), /idle · ctx 40\/100 \(40%\) · last 3 tok, 50\.0 tok\/s/);
  });

  test("a paragraph frozen line by line has no gaps inside it, and a gap before the next block", () => {
    const s = run(
      loaded,
      { type: "reply-start" },
      { type: "reply-text", content: "one\ntwo\n", reasoning: "", limit: LIMIT },
      { type: "reply-text", content: "three\n\nnext", reasoning: "", limit: LIMIT },
      { type: "reply-end", outcome: "stop", contextUsed: 0 },
    );
    assert.deepEqual(
      s.items.filter((i) => i.kind === "reply").map((i) => [i.text, i.first, i.gap]),
      [
        ["one\ntwo", true, false],
        ["three\n", false, false],
        ["next", false, true],
      ],
    );
  });

  test("reasoning is frozen (collapsed) when the answer starts", () => {
    const s = run(
      loaded,
      { type: "reply-start" },
      { type: "reply-text", content: "", reasoning: "thinking hard", limit: LIMIT },
      { type: "reply-text", content: "Answer", reasoning: "", limit: LIMIT },
    );
    assert.deepEqual(s.items.at(-1), { kind: "reasoning", id: 2, text: "thinking hard", collapsed: true });
    assert.equal(s.live?.labelShown, true);
  });

  test("an error ends the reply with an error row; /clear keeps only the header", () => {
    let s = run(
      loaded,
      { type: "reply-start" },
      { type: "reply-end", outcome: "error", error: "boom", contextUsed: 0 },
    );
    assert.deepEqual(s.items.at(-1), { kind: "notice", id: 2, level: "error", text: "boom" });
    s = run(s, { type: "clear" });
    assert.equal(s.items.length, 1);
    assert.equal(s.epoch, 1);
  });
});

describe("the status line while a reply streams", () => {
  const loaded = run(initialScreen({ markdown: true, showReasoning: false }), {
    type: "loaded",
    header,
    contextUsed: 10,
  });

  test("the context in use is the prompt plus the tokens written, with the live rate", () => {
    const s = run(
      loaded,
      { type: "reply-start" },
      { type: "reply-prompt", tokens: 30, contextSize: 100 },
      { type: "reply-text", content: "abc", reasoning: "", limit: LIMIT, tokens: 12, tokensPerSecond: 24.5 },
    );
    assert.match(statusParts(s).join(" · "), /^generating · ctx 42\/100 \(42%\) · 12 tok, 24\.5 tok\/s · Esc/);
  });

  test("never above 100%, and a warning from 90%", () => {
    const near = run(loaded, { type: "context", used: 91 });
    assert.match(statusParts(near).join(" · "), /ctx 91\/100 \(91%\) · context nearly full: \/compact or \/clear/);
    const over = run(loaded, { type: "context", used: 125 });
    assert.match(statusParts(over).join(" · "), /ctx 100\/100 \(100%\)/);
    assert.doesNotMatch(statusParts(run(loaded, { type: "context", used: 89 })).join(" · "), /nearly full/);
  });

  test("/continue is offered only when the reply can be carried on", () => {
    const cut = run(
      loaded,
      { type: "reply-start" },
      { type: "reply-end", outcome: "length", contextUsed: 20, continuable: true },
    );
    assert.match(statusParts(cut).join(" · "), /· \/continue goes on ·/);
    const full = run(
      loaded,
      { type: "reply-start" },
      { type: "reply-end", outcome: "length", contextUsed: 20, continuable: false },
    );
    assert.doesNotMatch(statusParts(full).join(" · "), /\/continue/);
    assert.equal(run(cut, { type: "clear" }).continuable, false);
  });

  test("a refused prompt is marked not sent; the busy hint ends with the reply", () => {
    const s = run(
      loaded,
      { type: "reply-start" },
      { type: "hint", text: BUSY_HINT },
      { type: "reply-end", outcome: "error", error: "too long", contextUsed: 10, notSent: true },
    );
    assert.deepEqual(
      s.items.slice(-2).map((i) => (i.kind === "marker" || i.kind === "notice" ? i.text : i.kind)),
      [NOT_SENT_MARKER, "too long"],
    );
    assert.equal(s.hint, undefined);
    const other = run(
      loaded,
      { type: "reply-start" },
      { type: "hint", text: "/help  /history" },
      { type: "reply-end", outcome: "stop", contextUsed: 0 },
    );
    assert.equal(other.hint, "/help  /history");
  });

  test("queued messages show on their own row", () => {
    const s = run(loaded, { type: "queued", texts: ["first\nline", "second"] });
    assert.equal(queuedLine(s.queued), 'queued: "first line" (+1) · sent when the reply ends · Esc takes it back');
    assert.equal(queuedLine([]), undefined);
    assert.equal(queuedLine(["\u001b[2Jx"]), 'queued: "[2Jx" · sent when the reply ends · Esc takes it back');
  });
});
