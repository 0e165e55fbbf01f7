import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { commonPrefix, parseSnapshotMeta, sameModel } from "../../src/core/snapshot-meta.ts";
import {
  fileSha256,
  isSnapshotId,
  removeSnapshot,
  removeStaleTemps,
  snapshotPath,
  snapshotTempPath,
} from "../../src/store/snapshots.ts";

const MODEL = { name: "m.gguf", path: "/m/m.gguf", size: 10, mtime: "2026-01-01T00:00:00.000Z", sha256_1mb: "ab" };
const META = {
  version: 1,
  conversationId: "abc123",
  model: MODEL,
  template: "ChatML",
  contextSize: 512,
  tokens: [1, 2, 3],
  stateBytes: 100,
  stateSha256: "0".repeat(64),
  created: "2026-01-01T00:00:00.000Z",
};

describe("snapshot descriptions", () => {
  it("reads a valid description and refuses anything else", () => {
    assert.deepEqual(parseSnapshotMeta(JSON.stringify(META)), META);
    for (const bad of [
      "",
      "{",
      "[]",
      "null",
      JSON.stringify({ ...META, version: 2 }),
      JSON.stringify({ ...META, tokens: [1, -2] }),
      JSON.stringify({ ...META, tokens: [1.5] }),
      JSON.stringify({ ...META, stateSha256: "xyz" }),
      JSON.stringify({ ...META, contextSize: "512" }),
      JSON.stringify({ ...META, model: { name: "m" } }),
      JSON.stringify({ ...META, template: undefined }),
    ]) {
      assert.equal(parseSnapshotMeta(bad), undefined, bad);
    }
  });

  it("matches a model file by size, time and leading bytes, never on a partial identity", () => {
    assert.ok(sameModel(MODEL, { ...MODEL, path: "/elsewhere/m.gguf" }));
    assert.ok(!sameModel(MODEL, { ...MODEL, size: 11 }));
    assert.ok(!sameModel(MODEL, { ...MODEL, mtime: "2026-01-02T00:00:00.000Z" }));
    assert.ok(!sameModel(MODEL, { ...MODEL, sha256_1mb: "cd" }));
    const partial = { name: "m.gguf", path: "/m/m.gguf" };
    assert.ok(!sameModel(partial, partial));
  });

  it("measures the shared prefix of two token lists", () => {
    assert.equal(commonPrefix([1, 2, 3], [1, 2, 3, 4]), 3);
    assert.equal(commonPrefix([1, 2, 3], [1, 9, 3]), 1);
    assert.equal(commonPrefix([], [1]), 0);
  });
});

describe("snapshot files", () => {
  it("accepts only ids that make safe file names", () => {
    assert.ok(isSnapshotId("a1b2c3d4e5f6"));
    for (const bad of ["", "../x", "a.b", "a/b", "x".repeat(200)]) assert.ok(!isSnapshotId(bad), bad);
  });

  it("hashes whole files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-snapfile-"));
    const data = Buffer.alloc(9 << 20, 3);
    writeFileSync(join(dir, "f"), data);
    assert.equal(await fileSha256(join(dir, "f")), createHash("sha256").update(data).digest("hex"));
  });

  it("removes stale temporary files and whole snapshots", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-snapfile-"));
    writeFileSync(snapshotPath("aaa", "state", dir), "s");
    writeFileSync(snapshotPath("aaa", "json", dir), "{}");
    const stale = snapshotTempPath("aaa", "state", dir);
    const fresh = snapshotTempPath("aaa", "load", dir);
    writeFileSync(stale, "x");
    writeFileSync(fresh, "x");
    const old = Date.now() / 1000 - 7200;
    utimesSync(stale, old, old);
    writeFileSync(snapshotPath("bbb", "state", dir), "s");
    removeStaleTemps("aaa", 3600_000, dir);
    assert.equal(readdirSync(dir).length, 4);
    assert.ok(!readdirSync(dir).some((n) => join(dir, n) === stale));
    removeSnapshot("aaa", dir);
    assert.deepEqual(readdirSync(dir), ["bbb.state"]);
  });
});
