import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { helpText, wrapItems, wrapWords } from "../../src/tui/commands/help.ts";
import { COMMANDS } from "../../src/tui/commands/registry.ts";

const names = COMMANDS.map((c) => `/${`${c.name} ${c.args ?? ""}`.trim()}`);

describe("/help", () => {
  test("its columns never touch and no row is wider than the terminal, at any width", () => {
    for (let columns = 20; columns <= 200; columns++) {
      const lines = helpText(columns).split("\n");
      for (const line of lines) assert.ok(line.length < columns, `${columns} columns: "${line}" is too wide`);
      for (const command of names) {
        const name = wrapWords(command, columns - 1)[0] ?? "";
        const row = lines.find((l) => l === name || l.startsWith(`${name} `));
        assert.ok(row !== undefined, `${columns} columns: no row for ${name}`);
        // The command alone on its row, or its text at least two spaces after it.
        assert.match(row.slice(name.length), /^$|^ {2,}\S/, `${columns} columns: "${row}"`);
      }
      // A row of text never starts in the command column.
      const table = lines.slice(0, lines.indexOf(""));
      for (const line of table) if (!line.startsWith("/")) assert.match(line, /^ {2,}\S/);
    }
  });

  test("at 100 columns the text is beside the commands, in one column", () => {
    const lines = helpText(100).split("\n");
    const set = lines.find((l) => l.startsWith("/set ["));
    const help = lines.find((l) => l.startsWith("/help"));
    assert.ok(set && help);
    assert.equal(help.indexOf("list the commands"), set.search(/ {2,}\S/) + set.match(/ {2,}/)![0].length);
  });

  test("words wrap at spaces, and a word longer than the line is cut", () => {
    assert.deepEqual(wrapWords("one two three", 7), ["one two", "three"]);
    assert.deepEqual(wrapWords("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    assert.deepEqual(wrapItems(["a", "b", "c"], 7), ["a · b ·", "c"]);
    assert.deepEqual(wrapItems(["a", "long item here"], 8), ["a ·", "long", "item", "here"]);
  });
});
