/** Small file helpers shared by the stores. */
import { readdirSync, closeSync, openSync, readSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fsReason, RuntimeError } from "../errors.js";
import { acquireLock, acquireLockSync, DEFAULT_STALE_MS, makeDir } from "./owner-lock.js";
import { replaceWhole } from "./paths.js";
import { INPUT_LIMITS, readTextFileBoundedIfExists } from "./read-bounded.js";

/** Private files: only their owner may read them. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** The names in a folder; none when it does not exist. */
export function readDirIfExists(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

export function ensureDir(dir: string): void {
  makeDir(dir);
}

/**
 * The file's text, or undefined when it does not exist. Bounded like every input (see
 * `read-bounded.ts`): a directory, a pipe or a file over `maxBytes` is refused; a BOM is dropped.
 */
export function readTextIfExists(
  path: string,
  what = "file",
  maxBytes: number = INPUT_LIMITS.presets,
): string | undefined {
  return readTextFileBoundedIfExists(path, what, maxBytes, false);
}

export { writeAllSync } from "./paths.js";

/**
 * Replaces a file's contents all at once: the text goes to a temporary file beside it, which is
 * flushed and renamed over the old one, so a reader sees the old file or the new one, never half.
 */
export function writeFileAtomic(path: string, text: string, mode = FILE_MODE): void {
  ensureDir(dirname(path));
  try {
    replaceWhole(path, text, mode);
  } catch (err) {
    throw new RuntimeError(`cannot write ${path}: ${fsReason(err)}`);
  }
}

/**
 * Runs `fn` while holding `<path>.lock`, so read-modify-write updates of one file by several
 * processes do not lose each other's changes. A lock whose owner process is gone is taken over at
 * once; one whose owner cannot be told, after `staleMs`. Blocks while waiting: for short
 * synchronous updates only; on the event loop use `withFileLockAsync`.
 */
export function withFileLock<T>(path: string, fn: () => T, timeoutMs = 5_000, staleMs = DEFAULT_STALE_MS): T {
  const release = acquireLockSync(`${path}.lock`, path, { timeoutMs, staleMs });
  try {
    return fn();
  } finally {
    release();
  }
}

/** `withFileLock` that waits without blocking the event loop. */
export async function withFileLockAsync<T>(
  path: string,
  fn: () => T | Promise<T>,
  timeoutMs = 5_000,
  staleMs = DEFAULT_STALE_MS,
): Promise<T> {
  const release = await acquireLock(`${path}.lock`, path, { timeoutMs, staleMs });
  try {
    return await fn();
  } finally {
    release();
  }
}

/** True when the file is empty or its last byte is a newline. */
export function endsWithNewline(path: string): boolean {
  const size = statSync(path).size;
  if (size === 0) return true;
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(1);
    readSync(fd, buf, 0, 1, size - 1);
    return buf[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}
