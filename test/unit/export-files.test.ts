import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { UsageError } from "../../src/errors.ts";
import { writeExportFile } from "../../src/store/export-file.ts";
import { exportConversation } from "../../src/tui/commands/export.ts";

const MESSAGES = [
  { role: "user" as const, content: "hi" },
  { role: "assistant" as const, content: "hello" },
];

describe("exports", () => {
  it("/export refuses to replace a file unless --force is given", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-export-"));
    writeFileSync(join(dir, "chat.md"), "keep me");
    assert.throws(
      () => exportConversation(MESSAGES, "chat.md", dir),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message === `${join(dir, "chat.md")} already exists: add --force to replace it (/export chat.md --force)`,
    );
    assert.equal(readFileSync(join(dir, "chat.md"), "utf8"), "keep me");
    const done = exportConversation(MESSAGES, "chat.md --force", dir);
    assert.deepEqual(done, { path: join(dir, "chat.md"), format: "markdown" });
    assert.match(readFileSync(join(dir, "chat.md"), "utf8"), /## assistant\n\nhello/);
    assert.equal(exportConversation(MESSAGES, "--force new.json", dir).format, "json");
    assert.throws(() => exportConversation(MESSAGES, "--force", dir), /usage: \/export <file> \[--force\]/);
    assert.deepEqual(readdirSync(dir).sort(), ["chat.md", "new.json"], "no temporary file left");
    assert.equal(statSync(join(dir, "new.json")).mode & 0o777, 0o600);
  });

  it("a full disk (/dev/full) is one plain line; a device is written to, not replaced", () => {
    assert.throws(
      () => writeExportFile("/dev/full", "text", false, "add --force"),
      (e: unknown) => e instanceof UsageError && e.message === "cannot write /dev/full: the disk is full",
    );
    writeExportFile("/dev/null", "text", false, "add --force");
    assert.ok(statSync("/dev/null").isCharacterDevice());
  });

  it("a file name with a control character is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-export-"));
    assert.throws(() => writeExportFile(join(dir, "a\u009bb.md"), "x", false, ""), /control character/);
    assert.deepEqual(readdirSync(dir), []);
  });
});
