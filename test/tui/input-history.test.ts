import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { HISTORY_LIMIT, InputHistory, dedupe } from "../../src/store/input-history.ts";

describe("input history", () => {
  test("appends, dedupes keeping the latest, and survives torn lines", () => {
    const path = join(mkdtempSync(join(tmpdir(), "parley-hist-")), "sub", "input-history.jsonl");
    const a = new InputHistory(path);
    const b = new InputHistory(path);
    a.add("one");
    b.add("two\nlines");
    a.add("one");
    appendFileSync(path, '{"torn\n');
    b.add("   ");
    assert.deepEqual(a.load(), ["two\nlines", "one"]);
    assert.equal(readFileSync(path, "utf8").split("\n").length, 5);
  });

  test("is bounded", () => {
    const many = Array.from({ length: HISTORY_LIMIT + 50 }, (_, i) => `p${i}`);
    const kept = dedupe(many);
    assert.equal(kept.length, HISTORY_LIMIT);
    assert.equal(kept.at(-1), `p${HISTORY_LIMIT + 49}`);
  });

  test("a missing file is an empty history", () => {
    assert.deepEqual(new InputHistory(join(tmpdir(), "parley-none", "x.jsonl")).load(), []);
  });
});
