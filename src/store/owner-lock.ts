/**
 * Lock files that name their owner. A lock is made whole in a temporary file (process id, host,
 * a random nonce) and hard-linked into place, so it never exists half written and only one process
 * can create it. A lock whose owner process is gone (same host, no such pid) is taken over at
 * once; one whose owner cannot be told is taken over when older than `staleMs`. Takeover is
 * atomic: only the process holding `<lock>.takeover` (created exclusively) may remove the lock, and
 * only if it is still the one judged dead, so two processes taking over at once do not both win.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { fsReason, ParleyError, RuntimeError } from "../errors.js";

const FILE_MODE = 0o600;

export interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
  /** When the lock was taken, ISO 8601. */
  time: string;
}

/** Gives the lock back; calling it again does nothing. */
export type ReleaseLock = () => void;

export interface LockOptions {
  /** Give up after this long (ms); Infinity waits for good. */
  timeoutMs?: number;
  /** A lock whose owner cannot be told alive or dead is taken over after this long (ms). */
  staleMs?: number;
}

interface Holder {
  owner: LockOwner | undefined;
  ino: number;
  mtimeMs: number;
}

export const DEFAULT_STALE_MS = 10_000;

/** True when the process exists (on this host); false when it is certainly gone. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isSafeInteger(v.pid) && typeof v.host === "string" && typeof v.nonce === "string") return v as LockOwner;
  } catch {
    // An older or foreign lock: judged by its age.
  }
  return undefined;
}

/**
 * The lock's holder; undefined when there is no lock (released meanwhile). A path that is not a
 * lock parley could have made (a folder, a link, a file that cannot be read) is an error to fix
 * by hand: it would never be released, and taking it over could remove what is not a lock.
 */
function readHolder(lock: string): Holder | undefined {
  let st;
  try {
    st = lstatSync(lock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  if (!st.isFile()) throw new RuntimeError(`${lock} is in the way: it is not a lock file (remove it)`);
  let text: string;
  try {
    text = readFileSync(lock, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new RuntimeError(`${lock} cannot be read (${fsReason(err)}): remove it if no parley is running`);
  }
  return { owner: parseOwner(text), ino: st.ino, mtimeMs: st.mtimeMs };
}

/** True when the holder will never release the lock. */
function holderGone(h: Holder, staleMs: number): boolean {
  if (h.owner && h.owner.host === hostname()) {
    if (h.owner.pid === process.pid) return false;
    return !processAlive(h.owner.pid);
  }
  return Date.now() - h.mtimeMs > staleMs;
}

function newOwner(): LockOwner {
  return { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString("hex"), time: new Date().toISOString() };
}

/** Creates the lock, whole, or returns false when it exists. */
function create(lock: string, owner: LockOwner): boolean {
  const text = `${JSON.stringify(owner)}\n`;
  const temp = `${lock}.${process.pid}.${owner.nonce}.tmp`;
  try {
    writeFileSync(temp, text, { mode: FILE_MODE, flag: "wx" });
    try {
      linkSync(temp, lock);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return false;
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw err;
    }
    // No hard links on this file system: create it exclusively and write it at once.
    let fd: number;
    try {
      fd = openSync(lock, "wx", FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return true;
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Removes a lock judged dead, unless another process replaced it meanwhile; false when another
 * process is taking it over. Only the process that creates `<lock>.takeover` exclusively may
 * remove the lock, and it checks first that the lock is still the one it judged dead; so a slow
 * waiter never removes a lock another process has just taken.
 */
function takeOver(lock: string, seen: Holder): boolean {
  const token = `${lock}.takeover`;
  if (!create(token, newOwner())) {
    const taker = readHolder(token);
    if (taker && holderGone(taker, DEFAULT_STALE_MS)) rmSync(token, { force: true }); // A taker that died midway.
    return false;
  }
  try {
    const now = readHolder(lock);
    if (!now) return true;
    if (now.ino !== seen.ino || now.owner?.nonce !== seen.owner?.nonce) return false;
    rmSync(lock, { force: true });
    return true;
  } finally {
    rmSync(token, { force: true });
  }
}

function releaser(lock: string, owner: LockOwner): ReleaseLock {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (readHolder(lock)?.owner?.nonce === owner.nonce) rmSync(lock, { force: true });
  };
}

/** One attempt: the release function, or the holder in the way. */
function attempt(lock: string, owner: LockOwner, staleMs: number): ReleaseLock | Holder {
  // Each round follows another process's release or takeover; so many in a row means something
  // keeps the lock in a state this cannot settle, and waiting beats spinning.
  for (let round = 0; ; round++) {
    if (create(lock, owner)) return releaser(lock, owner);
    const holder = readHolder(lock);
    if (!holder) {
      if (round < 100) continue; // Released between the two steps: try again.
      return { owner: undefined, ino: 0, mtimeMs: Date.now() };
    }
    if (!holderGone(holder, staleMs) || !takeOver(lock, holder) || round >= 100) return holder;
  }
}

/** The lock is held by another parley (not: the lock could not be made). */
export class LockBusyError extends RuntimeError {}

function busyError(what: string, holder: Holder): RuntimeError {
  const who = holder.owner ? ` (process ${holder.owner.pid})` : "";
  return new LockBusyError(`${what} is in use by another parley${who}; try again when it has finished`);
}

/** mkdir -p; a file in the way is said as such (mkdir reports it as "exists"). */
export function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw Object.assign(err as Error, { code: "ENOTDIR" });
    throw err;
  }
}

function lockError(what: string, err: unknown): ParleyError {
  return err instanceof ParleyError ? err : new RuntimeError(`cannot lock ${what}: ${fsReason(err)}`);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes `lock`, waiting (blocking) up to `timeoutMs`; `what` names the locked thing in errors. */
export function acquireLockSync(lock: string, what: string, options: LockOptions = {}): ReleaseLock {
  const owner = newOwner();
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  try {
    makeDir(dirname(lock));
    for (;;) {
      const got = attempt(lock, owner, options.staleMs ?? DEFAULT_STALE_MS);
      if (typeof got === "function") return got;
      if (Date.now() > deadline) throw busyError(what, got);
      sleepSync(10);
    }
  } catch (err) {
    throw lockError(what, err);
  }
}

export interface AsyncLockOptions extends LockOptions {
  /** Called once, when the lock is busy and waiting begins, with the holder's pid if known. */
  onWait?: (pid: number | undefined) => void;
  /** Stops waiting (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Takes `lock` without blocking the event loop, waiting up to `timeoutMs` (default: for good). */
export async function acquireLock(lock: string, what: string, options: AsyncLockOptions = {}): Promise<ReleaseLock> {
  const owner = newOwner();
  const deadline = Date.now() + (options.timeoutMs ?? Infinity);
  let waited = false;
  let pause = 10;
  for (;;) {
    let got: ReleaseLock | Holder;
    try {
      makeDir(dirname(lock));
      got = attempt(lock, owner, options.staleMs ?? DEFAULT_STALE_MS);
    } catch (err) {
      throw lockError(what, err);
    }
    if (typeof got === "function") return got;
    if (Date.now() > deadline) throw busyError(what, got);
    if (!waited) options.onWait?.(got.owner?.pid);
    waited = true;
    await delay(pause, options.signal);
    pause = Math.min(pause * 2, 200);
  }
}
