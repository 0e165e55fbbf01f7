import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inputWindow } from "../../src/tui/input-window.ts";

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`).join("\n");

describe("the input box's window on a long input", () => {
  it("shows a short input whole, the cursor on its row", () => {
    const w = inputWindow("one\ntwo", 5, 80, 10);
    assert.deepEqual(w, {
      rows: [
        { text: "one", cursorAt: undefined, first: true },
        { text: "two", cursorAt: 1, first: false },
      ],
      above: undefined,
      below: undefined,
    });
  });

  it("200 pasted lines, cursor at the end: the last rows and how many are above, within the rows given", () => {
    const text = `${lines(200)}\n`;
    const w = inputWindow(text, text.length, 80, 12);
    assert.equal(w.rows.length + 1, 12, "one row for the note");
    assert.equal(w.above, `… ${201 - w.rows.length} more lines above`);
    assert.equal(w.below, undefined);
    assert.deepEqual(w.rows.at(-1), { text: "", cursorAt: 0, first: false });
    assert.equal(w.rows.at(-2)?.text, "line 199");
  });

  it("cursor at the top: the first line with its prompt, the rest below", () => {
    const w = inputWindow(lines(50), 0, 80, 8);
    assert.equal(w.rows[0]?.first, true);
    assert.equal(w.rows[0]?.cursorAt, 0);
    assert.equal(w.above, undefined);
    assert.equal(w.below, `… ${50 - w.rows.length} more lines below`);
    assert.ok(w.rows.length + 1 <= 8);
  });

  it("cursor in the middle: lines on both sides, both notes, never more rows than given", () => {
    const text = lines(100);
    const at = text.indexOf("line 50");
    const w = inputWindow(text, at, 80, 9);
    assert.ok(w.rows.some((r) => r.text === "line 50" && r.cursorAt === 0));
    assert.ok(w.above && w.below);
    assert.equal(w.rows.length + 2, 9);
  });

  it("counts wrapped rows: a line twice the width takes two", () => {
    const long = "x".repeat(156); // 78 columns of text a row in an 80-column box
    const text = [long, long, long, long].join("\n");
    const w = inputWindow(text, text.length, 80, 6);
    assert.equal(w.rows.length, 2, "two lines of two rows each, and the note");
    assert.equal(w.above, "… 2 more lines above");
  });

  it("one line taller than the box: the rows of it around the cursor", () => {
    const text = `before\n${"abcdefgh".repeat(500)}\nafter`;
    const cursor = 7 + 2000;
    const w = inputWindow(text, cursor, 42, 7);
    assert.equal(w.rows.length, 1);
    const [row] = w.rows;
    assert.ok(row!.text.length <= 5 * 40);
    assert.equal(row!.text[row!.cursorAt!], text[cursor], "the cursor is where it was");
    assert.equal(w.above, "… this line goes on above, and 1 more line");
    assert.equal(w.below, "… this line goes on below, and 1 more line");
  });
});
