/**
 * One HTTP transfer into a staging file that survives interruptions: the bytes go to `<file>.part`
 * beside a small JSON note of the URL and validator; the next attempt asks for the rest with
 * `Range` and `If-Range`, and starts over only when the server's file changed.
 */
import { open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fsReason, ModelError, RuntimeError } from "../errors.js";
import { fetchFollowing, HeadTimeout, type Linked } from "./http.js";

/** A failed transfer whose partial file is kept, so the next pull resumes it. */
export class ResumableError extends RuntimeError {}

/** The download cannot be written (disk full, read-only folder...): said as such, never as a lost connection. */
export class DiskError extends ResumableError {}

/** Runs a file operation of the transfer; its failure becomes a DiskError naming the cause. */
async function disk<T>(path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw new DiskError(`cannot save the download in ${dirname(path)}: ${fsReason(err)}`);
  }
}

export interface TransferProgress {
  done: number;
  total: number;
  speed: number;
  secondsLeft: number;
}

export interface TransferOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Give up when no byte arrives for this long (ms). */
  stallMs: number;
  /** Attempts in a row that bring no new byte before giving up. */
  retries?: number;
  onStart?: (total: number, resumedAt: number) => void;
  onProgress?: (progress: TransferProgress) => void;
}

interface Note {
  url: string;
  validator?: string;
  total?: number;
}

async function readNote(path: string): Promise<Note | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Note;
  } catch {
    return undefined;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** The server's reason phrase, printable ASCII only (it is text from outside), at most 60 characters. */
function statusWords(text: string): string {
  const clean = text
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 60)
    .trim();
  return clean === "" ? "" : ` ${clean}`;
}

function totalFrom(response: Response, start: number): number | undefined {
  const range = /\/(\d+)$/.exec(response.headers.get("content-range") ?? "");
  if (range) return Number(range[1]);
  const length = response.headers.get("content-length");
  return length !== null && /^\d+$/.test(length) ? start + Number(length) : undefined;
}

export interface Transferred {
  /** The size the server gave, when it gave one; the file has exactly this size. */
  total?: number;
  linked: Linked;
}

/** Downloads `url` to `dest` (written last, by a rename), resuming a partial transfer when it can. */
export async function transfer(url: string, dest: string, options: TransferOptions): Promise<Transferred> {
  const part = `${dest}.part`;
  const notePath = `${dest}.json`;
  const host = new URL(url).host;
  const retries = options.retries ?? 3;
  let failures = 0;
  let announced = false;
  let linked: Linked = {};
  let total: number | undefined;
  for (;;) {
    const note = await readNote(notePath);
    let start = note?.url === url ? await sizeOf(part) : 0;
    if (start === 0) await disk(part, () => rm(part, { force: true }));
    const stall = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
    let last = Date.now();
    const watchdog = setInterval(
      () => {
        if (Date.now() - last > options.stallMs) stall.abort();
      },
      Math.max(10, Math.min(1000, options.stallMs / 4)),
    );
    const before = start;
    try {
      const headers: Record<string, string> = { ...options.headers };
      if (start > 0) {
        headers.range = `bytes=${start}-`;
        if (note?.validator) headers["if-range"] = note.validator;
      }
      let response: Response;
      try {
        ({ response, linked } = await fetchFollowing(url, { headers, signal, what: url, headMs: options.stallMs }));
      } catch (err) {
        if (err instanceof HeadTimeout) stall.abort();
        if (options.signal?.aborted || stall.signal.aborted || err instanceof ModelError) throw err;
        throw new ModelError(`cannot download ${url}: ${host} cannot be reached`);
      }
      if (response.status === 416 && note?.total !== undefined && start === note.total) {
        await response.body?.cancel();
        total = note.total;
      } else {
        if (!response.ok) {
          await response.body?.cancel();
          throw new ModelError(
            `cannot download ${url}: the server answered ${response.status}${statusWords(response.statusText)}`,
          );
        }
        if (response.status === 200 && start > 0) start = 0; // The server sent the whole file again.
        total = totalFrom(response, start);
        const validator = response.headers.get("etag") ?? response.headers.get("last-modified") ?? undefined;
        const noteText = JSON.stringify({
          url,
          ...(validator ? { validator } : {}),
          ...(total !== undefined ? { total } : {}),
        });
        await disk(notePath, () => writeFile(notePath, noteText, { mode: 0o600 }));
        if (!announced) options.onStart?.(total ?? 0, start);
        announced = true;
        const fh = await disk(part, () => open(part, start === 0 ? "w" : "a", 0o600));
        let done = start;
        const began = Date.now();
        try {
          if (response.body) {
            for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
              if (total !== undefined && done + chunk.length > total) {
                throw new ModelError(
                  `cannot download ${url}: the server sent more than the ${total} bytes it announced`,
                );
              }
              await disk(part, () => fh.write(chunk));
              done += chunk.length;
              last = Date.now();
              const speed = ((done - start) / Math.max(1, last - began)) * 1000;
              options.onProgress?.({
                done,
                total: total ?? done,
                speed,
                secondsLeft: total !== undefined && speed > 0 ? (total - done) / speed : Infinity,
              });
            }
          }
          await disk(part, () => fh.sync());
        } finally {
          await fh.close().catch(() => undefined);
        }
        if (total !== undefined && done < total) throw new Error("short body");
      }
      clearInterval(watchdog);
      if (total !== undefined && (await sizeOf(part)) !== total) {
        await rm(part, { force: true });
        throw new ModelError(`cannot download ${url}: the file that arrived is not the size the server gave`);
      }
      await disk(dest, () => rename(part, dest));
      await rm(notePath, { force: true });
      return { ...(total !== undefined ? { total } : {}), linked };
    } catch (err) {
      clearInterval(watchdog);
      if (err instanceof DiskError) throw err;
      if (options.signal?.aborted)
        throw new ResumableError(`the download of ${url} was stopped; pull it again to resume`);
      if (err instanceof ModelError && !stall.signal.aborted) {
        if ((await sizeOf(part)) === 0) await rm(notePath, { force: true });
        throw err;
      }
      const got = await sizeOf(part);
      if (stall.signal.aborted) {
        throw new ResumableError(
          `the download of ${url} stopped: nothing arrived for ${Math.round(options.stallMs / 1000)} s; pull it again to resume`,
        );
      }
      failures = got > before ? 1 : failures + 1;
      if (failures > retries) {
        throw new ResumableError(
          `the connection to ${host} was lost ${retries + 1} times in a row; pull it again to resume`,
        );
      }
    }
  }
}
