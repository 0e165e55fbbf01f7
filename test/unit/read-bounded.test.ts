/** Every input bounded: regular files, devices, pipes, directories; BOM-tolerant JSON; stdin. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { readStdin } from "../../src/cli/stdin.ts";
import { UsageError } from "../../src/errors.ts";
import { InputHistory } from "../../src/store/input-history.ts";
import { parseJsonInput, stripBom } from "../../src/store/json-input.ts";
import {
  INPUT_LIMITS,
  readTextFileBounded,
  readTextFileBoundedIfExists,
  sizeWords,
} from "../../src/store/read-bounded.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-bounded-"));

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /E[A-Z]{3,}|\n/);
    return true;
  });
}

describe("readTextFileBounded", () => {
  it("reads a regular file, up to and including the limit", () => {
    const path = join(dir, "ten.txt");
    writeFileSync(path, "0123456789");
    assert.equal(readTextFileBounded(path, "test file", 10), "0123456789");
    refused(
      () => readTextFileBounded(path, "test file", 9),
      /^cannot read test file .*ten\.txt: it is larger than the 9 bytes limit$/,
    );
  });

  it("drops a leading byte-order mark and replaces bad bytes", () => {
    const path = join(dir, "bom.json");
    writeFileSync(
      path,
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"\u00e9"}'), Buffer.from([0xff])]),
    );
    assert.equal(readTextFileBounded(path, "test file", 100), '{"a":"\u00e9"}\ufffd');
  });

  it("reads /dev/null as empty and refuses /dev/zero after at most the limit", () => {
    assert.equal(readTextFileBounded("/dev/null", "test file", 10), "");
    refused(
      () => readTextFileBounded("/dev/zero", "schema file", 1024 * 1024),
      /^cannot read schema file \/dev\/zero: it is larger than the 1 MiB limit$/,
    );
  });

  it("refuses a directory and a missing file", () => {
    refused(() => readTextFileBounded(dir, "test file", 10), /: it is a directory, not a file$/);
    refused(() => readTextFileBounded(join(dir, "nope"), "test file", 10), /: no such file$/);
  });

  it("refuses a pipe at once instead of waiting for a writer", () => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    refused(
      () => readTextFileBounded(fifo, "prompt file", 10),
      /^cannot read prompt file .*fifo: it is a pipe, not a file$/,
    );
  });

  it("IfExists: undefined when the file cannot exist, errors otherwise", () => {
    const file = join(dir, "plain");
    writeFileSync(file, "x");
    assert.equal(readTextFileBoundedIfExists(join(dir, "missing"), "f", 10), undefined);
    assert.equal(readTextFileBoundedIfExists(join(file, "below"), "f", 10), undefined);
    refused(() => readTextFileBoundedIfExists(dir, "config file", 10), /it is a directory/);
  });

  it("documents every limit in words", () => {
    assert.equal(sizeWords(INPUT_LIMITS.messages), "16 MiB");
    assert.equal(sizeWords(INPUT_LIMITS.config), "1 MiB");
    assert.equal(sizeWords(512 * 1024), "512 KiB");
  });
});

describe("JSON input", () => {
  it("accepts a leading BOM and still reports errors by position", () => {
    assert.deepEqual(parseJsonInput('\ufeff[{"role":"user"}]', "--messages file m.json"), [{ role: "user" }]);
    assert.equal(stripBom("\ufeff\ufeffx"), "\ufeffx");
    assert.throws(() => parseJsonInput("\ufeff{,", "x"), /x is not valid JSON at line 1, column 2/);
  });
});

describe("readStdin", () => {
  it("stops at the limit with one line", async () => {
    const big = Readable.from([Buffer.alloc(600), Buffer.alloc(600)]);
    await assert.rejects(readStdin(big, 1024), /^UsageError: stdin is larger than the 1 KiB limit$/);
  });

  it("drops a BOM and turns a read failure into one plain line", async () => {
    assert.equal(await readStdin(Readable.from([Buffer.from("\ufeffhi")])), "hi");
    const failing = new Readable({
      read() {
        this.destroy(Object.assign(new Error("EISDIR: illegal operation on a directory, read"), { code: "EISDIR" }));
      },
    });
    await assert.rejects(readStdin(failing), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.message, "cannot read stdin: it is a directory");
      return true;
    });
  });
});

describe("input history", () => {
  it("reads only the tail of an oversized file and compacts it", () => {
    const path = join(dir, "history.jsonl");
    const lines = Array.from({ length: 200 }, (_, i) => `${JSON.stringify(`prompt ${i} ${"x".repeat(50)}`)}\n`);
    writeFileSync(path, lines.join(""));
    const h = new InputHistory(path);
    const entries = h.load(1000);
    assert.ok(entries.length > 0 && entries.length < 200);
    assert.match(entries.at(-1) ?? "", /^prompt 199 /);
    assert.ok(entries.every((e) => e.startsWith("prompt ")));
    assert.deepEqual(new InputHistory(path).load(), entries);
  });

  it("treats a directory or a pipe as an empty history", () => {
    const sub = join(dir, "hist-dir");
    mkdirSync(sub);
    assert.deepEqual(new InputHistory(sub).load(), []);
    const fifo = join(dir, "hist-fifo");
    execFileSync("mkfifo", [fifo]);
    assert.deepEqual(new InputHistory(fifo).load(), []);
  });
});
