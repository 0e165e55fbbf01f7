/**
 * Where saved context states live (one group of files per conversation, named `<id>.<kind>`),
 * and keeping them under the configured disk cap by removing the least recently used first.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { readDirIfExists } from "./files.js";
import { parleyPaths } from "./paths.js";

export function snapshotsDir(): string {
  return parleyPaths().snapshots;
}

/** A snapshot file of a conversation: `kind` is e.g. "state" (the context state) or "json" (what it matches). */
export function snapshotPath(conversationId: string, kind: string, dir = snapshotsDir()): string {
  return join(dir, `${conversationId}.${kind}`);
}

export interface SnapshotGroup {
  id: string;
  files: string[];
  bytes: number;
  /** The latest modification time of its files, in ms. */
  usedAt: number;
}

/** The snapshots on disk, grouped by conversation, least recently used first. */
export function snapshotGroups(dir = snapshotsDir()): SnapshotGroup[] {
  const names = readDirIfExists(dir);
  const groups = new Map<string, SnapshotGroup>();
  for (const name of names) {
    const id = name.split(".")[0] ?? name;
    let st;
    try {
      st = statSync(join(dir, name));
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    const g = groups.get(id) ?? { id, files: [], bytes: 0, usedAt: 0 };
    g.files.push(join(dir, name));
    g.bytes += st.size;
    g.usedAt = Math.max(g.usedAt, st.mtimeMs);
    groups.set(id, g);
  }
  return [...groups.values()].sort((a, b) => a.usedAt - b.usedAt || a.id.localeCompare(b.id));
}

/**
 * Removes whole snapshot groups, least recently used first, until the rest fit in `capBytes`.
 * Groups in `keep` (the conversation in use) are never removed; only groups `among` accepts
 * are counted and removed. Returns the removed ids.
 */
export function pruneSnapshots(
  capBytes: number,
  keep: readonly string[] = [],
  dir = snapshotsDir(),
  among: (group: SnapshotGroup) => boolean = () => true,
): string[] {
  const groups = snapshotGroups(dir).filter(among);
  let total = groups.reduce((sum, g) => sum + g.bytes, 0);
  const removed: string[] = [];
  for (const g of groups) {
    if (total <= capBytes) break;
    if (keep.includes(g.id)) continue;
    for (const file of g.files) rmSync(file, { force: true });
    total -= g.bytes;
    removed.push(g.id);
  }
  return removed;
}

/** Conversation ids that can name snapshot files (no dots, no separators). */
export function isSnapshotId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id);
}

/** A fresh temporary name beside a snapshot file; it counts in the conversation's group. */
export function snapshotTempPath(conversationId: string, kind: string, dir = snapshotsDir()): string {
  return `${snapshotPath(conversationId, kind, dir)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/** Marks a conversation's snapshot as just used, so pruning removes it last. */
export function touchSnapshot(conversationId: string, dir = snapshotsDir()): void {
  const now = new Date();
  for (const kind of ["state", "json"]) {
    try {
      utimesSync(snapshotPath(conversationId, kind, dir), now, now);
    } catch {
      // A file removed meanwhile is simply not touched.
    }
  }
}

/** Removes every snapshot file of a conversation (temporary ones included). */
export function removeSnapshot(conversationId: string, dir = snapshotsDir()): void {
  for (const g of snapshotGroups(dir)) {
    if (g.id === conversationId) for (const file of g.files) rmSync(file, { force: true });
  }
}

/** Removes a conversation's temporary snapshot files left by a process that stopped mid-way. */
export function removeStaleTemps(conversationId: string, olderThanMs: number, dir = snapshotsDir()): void {
  const group = snapshotGroups(dir).find((g) => g.id === conversationId);
  for (const file of group?.files ?? []) {
    if (!file.endsWith(".tmp")) continue;
    try {
      if (Date.now() - statSync(file).mtimeMs > olderThanMs) rmSync(file, { force: true });
    } catch {
      // Gone already.
    }
  }
}

/** The SHA-256 of a whole file, hex, read as a stream: the event loop is never held for long. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
