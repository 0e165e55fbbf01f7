import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cellAt } from "../../src/tui/editor.ts";
import { PASTE_END, PASTE_START, PasteReader } from "../../src/tui/input/paste.ts";
import type { KeyEvent } from "../../src/tui/keys.ts";
import { screen, until } from "./screen.ts";

/** The events of `pieces` pushed one after another into one reader. */
function read(pieces: string[]): KeyEvent[] {
  const reader = new PasteReader();
  return pieces.flatMap((p) => reader.push(p));
}

describe("a large paste and the keys after it", () => {
  const pasted = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join("\r");
  const expected: KeyEvent[] = [
    { type: "text", text: pasted.replace(/\r/g, "\n") },
    { type: "text", text: "xy" },
    { type: "enter" },
  ];

  test("markers cut at every place between two reads lose no key", () => {
    const whole = `${PASTE_START}${pasted}${PASTE_END}xy\r`;
    const cuts = [
      // From 2: a lone ESC is the Escape key, however it arrives.
      ...Array.from({ length: PASTE_START.length - 1 }, (_, i) => i + 2),
      ...Array.from({ length: PASTE_END.length + 1 }, (_, i) => whole.length - PASTE_END.length - 3 + i),
    ];
    for (const cut of cuts) {
      const events = read([whole.slice(0, cut), whole.slice(cut)]);
      assert.deepEqual(events, expected, `cut at ${cut}`);
    }
  });

  test("in pieces of 4096 characters, as a terminal delivers it, with keys in the last piece", () => {
    const whole = `${PASTE_START}${pasted}${PASTE_END}xy\r`;
    const pieces: string[] = [];
    for (let i = 0; i < whole.length; i += 4096) pieces.push(whole.slice(i, i + 4096));
    assert.deepEqual(read(pieces), expected);
  });

  test("keys alone and an Esc are read as before", () => {
    assert.deepEqual(read(["\u001b", "a"]), [{ type: "escape" }, { type: "text", text: "a" }]);
    assert.deepEqual(read(["\u001b[D"]), [{ type: "move", motion: "left" }]);
  });

  test("in the chat screen: the end marker cut off from its last bytes, then typed keys", async () => {
    const s = screen();
    await s.ready();
    s.type(`${PASTE_START}one\rtwo\u001b[20`);
    s.type(`1~ three`);
    await until(() => s.last().includes("two three"), "the keys after the paste");
    s.type("\r");
    await until(() => s.session.messages.length === 2, "sent");
    assert.equal(s.session.messages[0]?.content, "one\ntwo three");
    s.app.unmount();
  });
});

describe("the cursor on a wide character", () => {
  test("stands on the whole character, never half of it", () => {
    assert.equal(cellAt("a😀b", 1), "😀");
    assert.equal(cellAt("a👍🏽b", 1), "👍🏽");
    assert.equal(cellAt("ab", 2), "");
    assert.equal(cellAt("é", 0), "é");
  });

  test("an emoji under the cursor is drawn whole, in inverse video", async () => {
    const s = screen();
    await s.ready();
    s.type("a😀b");
    s.type("\u001b[D");
    s.type("\u001b[D");
    await until(() => s.last().includes("> a\u001b[7m😀\u001b[27mb"), "the emoji under the cursor");
    assert.doesNotMatch(s.frames(), /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    s.app.unmount();
  });
});
