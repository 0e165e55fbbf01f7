import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pruneSnapshots, snapshotGroups, snapshotPath } from "../../src/store/snapshots.ts";

function snapshot(dir: string, id: string, bytes: number, ageSeconds: number): void {
  const when = Date.now() / 1000 - ageSeconds;
  for (const [kind, size] of [
    ["state", bytes],
    ["json", 10],
  ] as const) {
    const path = snapshotPath(id, kind, dir);
    writeFileSync(path, Buffer.alloc(size));
    utimesSync(path, when, when);
  }
}

describe("snapshots", () => {
  it("groups files by conversation, least recently used first", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-snap-"));
    snapshot(dir, "new111", 100, 10);
    snapshot(dir, "old222", 200, 1000);
    mkdirSync(join(dir, "not-a-file"));
    const groups = snapshotGroups(dir);
    assert.deepEqual(
      groups.map((g) => [g.id, g.bytes, g.files.length]),
      [
        ["old222", 210, 2],
        ["new111", 110, 2],
      ],
    );
    assert.deepEqual(snapshotGroups(join(dir, "missing")), []);
  });

  it("prunes oldest first to fit the cap, never the ones in use", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-snap-"));
    snapshot(dir, "a00001", 1000, 400);
    snapshot(dir, "b00002", 1000, 300);
    snapshot(dir, "c00003", 1000, 200);
    snapshot(dir, "d00004", 1000, 100);
    assert.deepEqual(pruneSnapshots(10_000, [], dir), []);
    assert.deepEqual(pruneSnapshots(2100, ["a00001"], dir), ["b00002", "c00003"]);
    assert.deepEqual(readdirSync(dir).sort(), ["a00001.json", "a00001.state", "d00004.json", "d00004.state"]);
    assert.deepEqual(pruneSnapshots(0, [], dir), ["a00001", "d00004"]);
    assert.deepEqual(readdirSync(dir), []);
  });

  it("prunes only among the groups asked for (one-shot snapshots under their own cap)", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-snap-"));
    snapshot(dir, "chat01", 1000, 400);
    snapshot(dir, "once01", 1000, 300);
    snapshot(dir, "once02", 1000, 200);
    snapshot(dir, "once03", 1000, 100);
    const oneShot = (g: { id: string }) => g.id.startsWith("once");
    assert.deepEqual(pruneSnapshots(2100, ["once03"], dir, oneShot), ["once01"]);
    assert.deepEqual(
      snapshotGroups(dir).map((g) => g.id),
      ["chat01", "once02", "once03"],
    );
  });
});
