import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  backspace,
  deleteForward,
  deleteWordBack,
  editorWith,
  insertText,
  killToEnd,
  killToStart,
  move,
  type EditorState,
} from "../../src/tui/editor.ts";
import { cleanPaste, parseInput, parseKey, splitTyped } from "../../src/tui/keys.ts";

describe("key parsing", () => {
  test("names the keys the editor uses", () => {
    assert.deepEqual(parseKey("\r"), { type: "enter" });
    assert.deepEqual(parseKey("\u001b\r"), { type: "newline" });
    assert.deepEqual(parseKey("\n"), { type: "newline" });
    assert.deepEqual(parseKey("\u007f"), { type: "backspace" });
    assert.deepEqual(parseKey("\u001b[3~"), { type: "delete" });
    assert.deepEqual(parseKey("\u0003"), { type: "interrupt" });
    assert.deepEqual(parseKey("\u0004"), { type: "eof" });
    assert.deepEqual(parseKey("\u0017"), { type: "delete-word" });
    assert.deepEqual(parseKey("\u0015"), { type: "kill-start" });
    assert.deepEqual(parseKey("\u000b"), { type: "kill-end" });
    assert.deepEqual(parseKey("\u001b[1;5D"), { type: "move", motion: "word-left" });
    assert.deepEqual(parseKey("\u001b[1;3C"), { type: "move", motion: "word-right" });
    assert.deepEqual(parseKey("\u001bb"), { type: "move", motion: "word-left" });
    assert.deepEqual(parseKey("\u001b[H"), { type: "move", motion: "home" });
    assert.deepEqual(parseKey("\u001b[4~"), { type: "move", motion: "end" });
    assert.deepEqual(parseKey("\u001bOA"), { type: "move", motion: "up" });
    assert.deepEqual(parseKey("\u001b[200~"), { type: "paste-start" });
    assert.deepEqual(parseKey("\u001b[201~"), { type: "paste-end" });
    assert.deepEqual(parseKey("héllo"), { type: "text", text: "héllo" });
    assert.deepEqual(parseKey("\u001b[99Z"), { type: "ignored" });
  });

  test("typed text with a carriage return is text then Enter", () => {
    assert.deepEqual(splitTyped("hi\r"), [{ type: "text", text: "hi" }, { type: "enter" }]);
    assert.deepEqual(splitTyped("a\nb"), [
      { type: "text", text: "a" },
      { type: "newline" },
      { type: "text", text: "b" },
    ]);
  });

  test("pasted text keeps its lines and drops control characters", () => {
    assert.equal(cleanPaste("a\r\nb\rc\u001b[31m\td"), "a\nb\nc[31m\td");
  });
});

describe("the editor", () => {
  const at = (text: string, cursor: number): EditorState => ({ text, cursor });

  test("inserts and deletes around the cursor", () => {
    assert.deepEqual(insertText(at("helo", 3), "l"), at("hello", 4));
    assert.deepEqual(backspace(at("hello", 5)), at("hell", 4));
    assert.deepEqual(backspace(at("", 0)), at("", 0));
    assert.deepEqual(deleteForward(at("hello", 0)), at("ello", 0));
    assert.deepEqual(backspace(editorWith("a😀")), at("a", 1));
  });

  test("moves by character, word and line", () => {
    assert.equal(move(at("one two three", 13), "word-left").cursor, 8);
    assert.equal(move(at("one two three", 0), "word-right").cursor, 3);
    assert.equal(move(at("ab\ncd", 4), "home").cursor, 3);
    assert.equal(move(at("ab\ncd", 0), "end").cursor, 2);
    assert.equal(move(at("abc\nde", 5), "up").cursor, 1);
    assert.equal(move(at("abc\nde", 3), "down").cursor, 6);
  });

  test("Ctrl+W, Ctrl+U and Ctrl+K", () => {
    assert.deepEqual(deleteWordBack(at("one two ", 8)), at("one ", 4));
    assert.deepEqual(killToStart(at("ab\ncdef", 5)), at("ab\nef", 3));
    assert.deepEqual(killToEnd(at("abcdef", 2)), at("ab", 2));
    assert.deepEqual(killToEnd(at("ab\ncd", 2)), at("abcd", 2));
  });
});

describe("keys that arrive together", () => {
  test("control keys inside a run of text are keys, not dropped", () => {
    assert.deepEqual(splitTyped("hello\u007f\u007fX"), [
      { type: "text", text: "hello" },
      { type: "backspace" },
      { type: "backspace" },
      { type: "text", text: "X" },
    ]);
    assert.deepEqual(splitTyped("ab\u0001X\u0005\u000b\u0015\u0017\tY\u0003"), [
      { type: "text", text: "ab" },
      { type: "move", motion: "home" },
      { type: "text", text: "X" },
      { type: "move", motion: "end" },
      { type: "kill-end" },
      { type: "kill-start" },
      { type: "delete-word" },
      { type: "tab" },
      { type: "text", text: "Y" },
      { type: "interrupt" },
    ]);
  });

  test("Esc followed by a plain key is Esc, then the key; Alt combinations stay whole", () => {
    assert.deepEqual(parseInput("\u001bx"), [{ type: "escape" }, { type: "text", text: "x" }]);
    assert.deepEqual(parseInput("\u001bb"), [{ type: "move", motion: "word-left" }]);
    assert.deepEqual(parseInput("\u001b"), [{ type: "escape" }]);
    assert.deepEqual(parseInput("\u001b\u0003"), [{ type: "escape" }, { type: "interrupt" }]);
  });

  test("Shift+Enter as CSI-u and modifyOtherKeys is a newline; Ctrl+L, Ctrl+Z, Ctrl+R, Ctrl+X", () => {
    assert.deepEqual(parseInput("\u001b[13;2u"), [{ type: "newline" }]);
    assert.deepEqual(parseInput("\u001b[27;2;13~"), [{ type: "newline" }]);
    assert.deepEqual(parseInput("\u000c"), [{ type: "redraw" }]);
    assert.deepEqual(parseInput("\u001a"), [{ type: "suspend" }]);
    assert.deepEqual(parseInput("\u0012ab"), [{ type: "search" }, { type: "text", text: "ab" }]);
    assert.deepEqual(parseInput("\u0018\u0005"), [{ type: "prefix-x" }, { type: "move", motion: "end" }]);
  });
});
