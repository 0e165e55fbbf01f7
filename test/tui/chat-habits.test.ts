import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { codeBlocks } from "../../src/tui/commands/clipboard.ts";
import { parseStops } from "../../src/tui/commands/set-param.ts";
import { widestLine } from "../../src/tui/components/Unwrapped.tsx";
import {
  ATTACH_LIMIT,
  attachmentRow,
  completePath,
  findMentions,
  readAttachment,
  withAttachments,
} from "../../src/tui/input/attachments.ts";
import { classifyInput } from "../../src/tui/input/classify.ts";
import { findOlder } from "../../src/tui/input/search.ts";
import { renderCodeBlock } from "../../src/tui/markdown.ts";
import type { ScreenAction } from "../../src/tui/screen-state.ts";
import { showMessages } from "../../src/tui/show-messages.ts";

describe("what Enter does with the input", () => {
  test("slash text is a command, a leading space sends it as text", () => {
    assert.deepEqual(classifyInput("/help"), { kind: "command", text: "/help" });
    assert.deepEqual(classifyInput("/"), { kind: "command", text: "/" });
    assert.deepEqual(classifyInput("// x"), { kind: "command", text: "// x" });
    assert.deepEqual(classifyInput("/ leading space"), { kind: "command", text: "/ leading space" });
    assert.deepEqual(classifyInput(" /etc/hosts"), { kind: "send", text: "/etc/hosts" });
    assert.deepEqual(classifyInput("   "), { kind: "empty" });
    assert.deepEqual(classifyInput("hi"), { kind: "send", text: "hi" });
  });

  test('""" opens a block; a closing """ sends what is inside; a trailing \\ adds a line', () => {
    assert.deepEqual(classifyInput('"""'), { kind: "newline", text: '"""\n' });
    assert.deepEqual(classifyInput('"""\na'), { kind: "newline", text: '"""\na\n' });
    assert.deepEqual(classifyInput('"""\na\nb"""'), { kind: "send", text: "a\nb" });
    assert.deepEqual(classifyInput('"""one line"""'), { kind: "send", text: "one line" });
    assert.deepEqual(classifyInput('"""\n"""'), { kind: "empty" });
    assert.deepEqual(classifyInput("a\\"), { kind: "newline", text: "a\n" });
  });
});

describe("attachments", () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-attach-unit-"));
  writeFileSync(join(dir, "notes.txt"), "one\ntwo\n");
  writeFileSync(join(dir, "bin.dat"), Buffer.from([1, 0, 2]));
  writeFileSync(join(dir, "big.txt"), "x".repeat(ATTACH_LIMIT + 1));
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "sub", "deep.md"), "# deep");

  test("a text file is read and shown as one row; the model gets it between marker lines", () => {
    const a = readAttachment("notes.txt", dir);
    assert.equal(attachmentRow(a), "[attached notes.txt · 2 lines · 8 bytes]");
    assert.equal(withAttachments("look", [a]), "look\n\n--- file: notes.txt ---\none\ntwo\n--- end of notes.txt ---");
  });

  test("binary, too big, missing files and folders are refused in plain words", () => {
    assert.throws(() => readAttachment("bin.dat", dir), /bin\.dat is not a text file \(binary content\)/);
    assert.throws(() => readAttachment("big.txt", dir), /big\.txt is 100\.0 KiB: files up to 100\.0 KiB/);
    assert.throws(() => readAttachment("nope.txt", dir), /no such file: nope\.txt$/);
    assert.throws(() => readAttachment("sub", dir), /sub is a folder, not a file/);
  });

  test("@mentions: files are attached, @names that are no path stay text, missing paths are errors", () => {
    assert.deepEqual(
      findMentions("see @notes.txt and ask @alice", dir).map((a) => a.path),
      ["notes.txt"],
    );
    assert.deepEqual(findMentions("mail me@example.com", dir), []);
    assert.throws(() => findMentions("see @./gone.txt", dir), /no such file: \.\/gone\.txt/);
  });

  test("paths complete from the folder, folders with a slash", () => {
    assert.deepEqual(completePath("no", dir), ["notes.txt"]);
    assert.deepEqual(completePath("su", dir), ["sub/"]);
    assert.deepEqual(completePath("sub/d", dir), ["sub/deep.md"]);
    assert.deepEqual(completePath("zz", dir), []);
  });
});

describe("small parts of the chat screen", () => {
  test("stop strings are words or JSON strings", () => {
    assert.deepEqual(parseStops('END "two words" "\\n\\n"'), ["END", "two words", "\n\n"]);
    assert.throws(() => parseStops('""'), /a stop string cannot be empty/);
  });

  test("code blocks of a reply, in order", () => {
    const text = "a\n```sh\necho 1\n```\nb\n~~~\nx\n  y\n~~~\n```\nunclosed";
    assert.deepEqual(codeBlocks(text), ["echo 1", "x\n  y", "unclosed"]);
    assert.deepEqual(codeBlocks("no code"), []);
  });

  test("Ctrl+R finds the newest older prompt holding the text", () => {
    const list = ["alpha one", "beta", "Alpha two"];
    assert.equal(findOlder(list, "alpha", 3), 2);
    assert.equal(findOlder(list, "alpha", 2), 0);
    assert.equal(findOlder(list, "alpha", 0), undefined);
  });

  test("a code block keeps its fences and lines; widths count wide characters twice", () => {
    // eslint-disable-next-line no-control-regex
    assert.equal(renderCodeBlock("  indented\nx", "py").replace(/\u001b\[[\d;]*m/g, ""), "```py\n  indented\nx\n```");
    assert.equal(widestLine("ab\n\u001b[33mabcd\u001b[39m"), 4);
    assert.equal(widestLine("日本"), 4);
  });

  test("resumed messages keep their marks and reasoning rows, with Markdown on", () => {
    const actions: ScreenAction[] = [];
    showMessages(
      (a) => actions.push(a),
      [
        { role: "user", content: "hi" },
        { role: "assistant", content: "cut", end: "interrupted" },
        { role: "assistant", content: "long", end: "length", reasoning: "hmm" },
      ],
    );
    const items = actions.map((a) => (a.type === "add" ? a.item : undefined));
    assert.deepEqual(items, [
      { kind: "message", role: "user", text: "hi" },
      { kind: "reply", text: "cut", first: true, gap: false, markdown: true },
      { kind: "marker", text: "[interrupted]" },
      { kind: "reasoning", text: "hmm", collapsed: true },
      { kind: "reply", text: "long", first: false, gap: true, markdown: true },
      { kind: "marker", text: "[stopped at the token limit]" },
    ]);
  });
});

describe("freezing a long line while it is written", () => {
  test("one unfinished line grows up to lineRows before it is cut, so it stays one line", async () => {
    const { splitForCommit } = await import("../../src/tui/chunking.ts");
    const long = "word ".repeat(60); // 300 characters: 8 rows at 40 columns
    assert.ok(splitForCommit(long, true, { columns: 40, rows: 4 }) !== undefined, "cut without lineRows");
    assert.equal(splitForCommit(long, true, { columns: 40, rows: 4, lineRows: 10 }), undefined);
    assert.deepEqual(splitForCommit(`done\n\n${long}`, true, { columns: 40, rows: 4, lineRows: 10 }), {
      commit: "done\n",
      rest: long,
      joined: false,
    });
    assert.ok(splitForCommit(long.repeat(3), true, { columns: 40, rows: 4, lineRows: 10 }) !== undefined);
  });
});
