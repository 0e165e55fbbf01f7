/** Small file helpers shared by the stores. */
import { randomBytes } from "node:crypto";
import {
  readdirSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { RuntimeError } from "../errors.js";

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
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

/** The file's text, or undefined when it does not exist. */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new RuntimeError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Replaces a file's contents all at once: the text goes to a temporary file beside it, which is
 * flushed and renamed over the old one, so a reader sees the old file or the new one, never half.
 */
export function writeFileAtomic(path: string, text: string, mode = FILE_MODE): void {
  ensureDir(dirname(path));
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", mode);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw new RuntimeError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn` while holding `<path>.lock` (created exclusively), so read-modify-write updates of one
 * file by several processes do not lose each other's changes. A lock older than `staleMs` is
 * taken over: its holder died.
 */
export function withFileLock<T>(path: string, fn: () => T, timeoutMs = 5_000, staleMs = 10_000): T {
  ensureDir(dirname(path));
  const lock = `${path}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", FILE_MODE));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue;
      }
      if (age > staleMs) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new RuntimeError(`${path} is locked by another parley (${lock})`);
      else sleepSync(10);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
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
