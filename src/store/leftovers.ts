/**
 * Cleaning up after runs that were killed mid-write. parley writes whole files through temporary
 * names `<name>.<pid>.<random>.tmp` (snapshots, config, presets) and moves stale locks aside as
 * `<name>.<pid>.<random>.stale`. A leftover whose writer process is gone is removed; one from a
 * process that may still run (another host, a reused pid) only once it is older than `maxAgeMs`.
 */
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { readDirIfExists } from "./files.js";
import { processAlive } from "./owner-lock.js";

const LEFTOVER = /\.(\d+)\.[0-9a-f]+\.(tmp|stale)$/;

/** One day: no save takes that long. */
export const LEFTOVER_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Removes the leftovers of killed writers in `dir`; returns the names removed. */
export function removeLeftovers(dir: string, maxAgeMs = LEFTOVER_MAX_AGE_MS): string[] {
  const removed: string[] = [];
  for (const name of readDirIfExists(dir)) {
    const match = LEFTOVER.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (!st.isFile()) continue;
      const writerGone = pid !== process.pid && !processAlive(pid);
      if (!writerGone && Date.now() - st.mtimeMs <= maxAgeMs) continue;
      rmSync(path, { force: true });
      removed.push(name);
    } catch {
      // Removed meanwhile, or not ours to remove: leave it.
    }
  }
  return removed;
}
