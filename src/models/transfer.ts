/**
 * One HTTP transfer into a staging file that survives interruptions: the bytes go to `<file>.part`
 * beside a small JSON note of the URL and validator; the next attempt asks for the rest with
 * `Range` and `If-Range`, and starts over only when the server's file changed.
 */
import { open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { ModelError, RuntimeError } from "../errors.js";

/** A failed transfer whose partial file is kept, so the next pull resumes it. */
export class ResumableError extends RuntimeError {}

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

function totalFrom(response: Response, start: number): number | undefined {
  const range = /\/(\d+)$/.exec(response.headers.get("content-range") ?? "");
  if (range) return Number(range[1]);
  const length = response.headers.get("content-length");
  return length !== null && /^\d+$/.test(length) ? start + Number(length) : undefined;
}

/** Downloads `url` to `dest` (written last, by a rename), resuming a partial transfer when it can. */
export async function transfer(url: string, dest: string, options: TransferOptions): Promise<void> {
  const part = `${dest}.part`;
  const notePath = `${dest}.json`;
  const host = new URL(url).host;
  const retries = options.retries ?? 3;
  let failures = 0;
  let announced = false;
  for (;;) {
    const note = await readNote(notePath);
    let start = note?.url === url ? await sizeOf(part) : 0;
    if (start === 0) await rm(part, { force: true });
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
        response = await fetch(url, { headers, signal, redirect: "follow" });
      } catch (err) {
        throw options.signal?.aborted || stall.signal.aborted
          ? err
          : new ModelError(`cannot download ${url}: ${host} cannot be reached`);
      }
      if (response.status === 416 && note?.total !== undefined && start === note.total) {
        await response.body?.cancel();
      } else {
        if (!response.ok) {
          await response.body?.cancel();
          throw new ModelError(
            `cannot download ${url}: the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
          );
        }
        if (response.status === 200 && start > 0) start = 0; // The server sent the whole file again.
        const total = totalFrom(response, start);
        const validator = response.headers.get("etag") ?? response.headers.get("last-modified") ?? undefined;
        await writeFile(
          notePath,
          JSON.stringify({ url, ...(validator ? { validator } : {}), ...(total !== undefined ? { total } : {}) }),
        );
        if (!announced) options.onStart?.(total ?? 0, start);
        announced = true;
        const fh = await open(part, start === 0 ? "w" : "a");
        let done = start;
        const began = Date.now();
        try {
          if (response.body) {
            for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
              await fh.write(chunk);
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
          await fh.sync();
        } finally {
          await fh.close();
        }
        if (total !== undefined && done < total) throw new Error("short body");
      }
      clearInterval(watchdog);
      await rename(part, dest);
      await rm(notePath, { force: true });
      return;
    } catch (err) {
      clearInterval(watchdog);
      if (err instanceof ModelError) {
        if ((await sizeOf(part)) === 0) await rm(notePath, { force: true });
        throw err;
      }
      if (options.signal?.aborted)
        throw new ResumableError(`the download of ${url} was stopped; pull it again to resume`);
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
