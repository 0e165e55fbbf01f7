/**
 * Locks in the models folder (a download, `aliases.json`, `.origins.json`). A lock is a small file
 * naming its owner (process id, host, a random nonce), made whole in a temporary file and
 * hard-linked into place, so only one process creates it. A lock whose owner is gone (same host,
 * no such process; or a lock that names no owner and is older than 10 s) is taken over, and the
 * takeover is atomic: only the process that creates `<lock>.takeover` exclusively may replace the
 * lock, and it replaces it (by a rename over it) only if the lock is still the one it judged dead.
 * So two waiters never both take a dead pull's lock and write one partial file together.
 */
import { randomBytes } from "node:crypto";
import { closeSync, linkSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { fsReason, RuntimeError } from "../errors.js";

export type Release = () => void;

interface Seen {
  text: string;
  ino: number;
  mtimeMs: number;
}

const STALE_MS = 10_000;

function ownerText(nonce: string): string {
  return `${JSON.stringify({ pid: process.pid, host: hostname(), nonce })}\n`;
}

/** Writes `text` to a new temporary file beside `lock`; returns its path. */
function writeTemp(lock: string, text: string): string {
  const temp = `${lock}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return temp;
}

function create(lock: string, text: string): boolean {
  const temp = writeTemp(lock, text);
  try {
    linkSync(temp, lock);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    rmSync(temp, { force: true });
  }
}

function read(path: string): Seen | undefined {
  try {
    const st = lstatSync(path);
    if (!st.isFile()) throw new RuntimeError(`${path} is in the way: it is not a lock file (remove it)`);
    return { text: readFileSync(path, "utf8"), ino: st.ino, mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** The owner's pid on this host; undefined when the lock names no owner here. */
function localPid(text: string): number | undefined {
  try {
    const v = JSON.parse(text) as { pid?: unknown; host?: unknown };
    if (typeof v.pid === "number" && Number.isSafeInteger(v.pid) && v.host === hostname()) return v.pid;
    if (typeof v.pid === "number" && typeof v.host === "string") return -1; // Another host: never judged dead.
  } catch {
    // A lock in an older form: a bare process id.
    if (/^\d+$/.test(text.trim())) return Number(text.trim());
  }
  return undefined;
}

function alive(pid: number): boolean {
  if (pid === -1 || pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

function dead(seen: Seen): boolean {
  const pid = localPid(seen.text);
  return pid === undefined ? Date.now() - seen.mtimeMs > STALE_MS : !alive(pid);
}

/** Replaces the dead lock `seen` with ours; false when another process is taking it over or took it. */
function takeOver(lock: string, seen: Seen, text: string): boolean {
  const token = `${lock}.takeover`;
  try {
    if (!create(token, text)) {
      const other = read(token);
      if (other && dead(other)) rmSync(token, { force: true }); // A taker that died midway.
      return false;
    }
  } catch {
    return false;
  }
  try {
    const now = read(lock);
    if (!now || now.ino !== seen.ino || now.text !== seen.text) return false;
    renameSync(writeTemp(lock, text), lock);
    return true;
  } finally {
    rmSync(token, { force: true });
  }
}

function releaser(lock: string, text: string): Release {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (read(lock)?.text === text) rmSync(lock, { force: true });
  };
}

/** One attempt: our release function, or the pid of the live holder (0 when not known). */
export function tryLock(lock: string): Release | number {
  const text = ownerText(randomBytes(8).toString("hex"));
  for (let round = 0; round < 20; round++) {
    if (create(lock, text)) return releaser(lock, text);
    const seen = read(lock);
    if (!seen) continue;
    if (!dead(seen)) return Math.max(0, localPid(seen.text) ?? 0);
    if (takeOver(lock, seen, text)) return releaser(lock, text);
  }
  return 0;
}

function lockError(what: string, err: unknown): RuntimeError {
  return err instanceof RuntimeError ? err : new RuntimeError(`cannot lock ${what}: ${fsReason(err)}`);
}

/** One try at `lock`: the release, or the pid holding it; a failure to make it is said in words. */
function attempt(lock: string, what: string): Release | number {
  try {
    return tryLock(lock);
  } catch (err) {
    throw lockError(what, err);
  }
}

/** Takes `lock` for a short update, blocking up to `timeoutMs`. */
export function lockSync(lock: string, what: string, timeoutMs = 5_000): Release {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = attempt(lock, what);
    if (typeof got === "function") return got;
    if (Date.now() > deadline) {
      throw new RuntimeError(`${what} is in use by another parley${got > 0 ? ` (process ${got})` : ""}; try again`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}

/** Takes `lock`, waiting without blocking while a live process holds it; `onWait` once, with its pid. */
export async function lockAsync(
  lock: string,
  what: string,
  options: { onWait?: (pid: number) => void; signal?: AbortSignal },
): Promise<Release> {
  let told = false;
  for (;;) {
    const got = attempt(lock, what);
    if (typeof got === "function") return got;
    if (!told) options.onWait?.(got);
    told = true;
    if (options.signal?.aborted) throw new RuntimeError("the download was stopped");
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, 100);
      options.signal?.addEventListener("abort", done, { once: true });
    });
  }
}
