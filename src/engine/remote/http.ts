/**
 * Requests to a remote server: every wait has a time limit and every body a size limit. A busy
 * server (429, 503) is asked again after a pause, honouring Retry-After, within a bound; a refused
 * key names the variable that holds it, never the key.
 */
import { ContextOverflowError, RemoteError } from "../../errors.js";
import { errorMessage, isOverflow, networkFault, overflowCounts } from "./words.js";

export interface RemoteTarget {
  /** The base URL, e.g. http://127.0.0.1:8080/v1 (no trailing slash). */
  baseUrl: string;
  /** How the server is named in messages: `endpoint gpu` or its base URL. */
  label: string;
  apiKey?: string | undefined;
  /** The environment variable the key came from, for messages. */
  apiKeyEnv?: string | undefined;
  /** The longest wait for an answer or the next bytes, in ms. */
  idleMs: number;
}

export interface RetryBound {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** The longest single pause; a Retry-After beyond it is not waited for. */
  maxPauseMs: number;
}

export const DEFAULT_RETRY: RetryBound = { attempts: 4, maxPauseMs: 30_000 };

export interface SendOptions {
  method: "GET" | "POST";
  body?: unknown;
  signal?: AbortSignal | undefined;
  retry?: RetryBound;
  /** Told that parley waits for a busy server, and how long. */
  onWait?: (text: string) => void;
}

/** Reads a small body (an error, a model list) within the time and size limits. */
export async function readText(res: Response, target: RemoteTarget, maxBytes: number): Promise<string> {
  if (!res.body) return "";
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new RemoteError(`${target.label}: the server stopped sending its answer`)),
          target.idleMs,
        );
      });
      const { value, done } = await Promise.race([reader.read(), idle]);
      clearTimeout(timer);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        throw new RemoteError(
          `${target.label}: the answer is larger than ${Math.round(maxBytes / 1024)} KiB: stopped reading`,
        );
      }
      parts.push(value);
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).toString("utf8");
}

function pauseFor(res: Response, attempt: number): number {
  const header = res.headers.get("retry-after");
  if (header !== null) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(0, at - Date.now());
  }
  return Math.min(1000 * 2 ** attempt, 8000);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

function keyWords(target: RemoteTarget): string {
  if (target.apiKeyEnv) {
    return target.apiKey
      ? `the key in ${target.apiKeyEnv} was refused`
      : `it needs a key, and ${target.apiKeyEnv} is not set`;
  }
  return target.apiKey ? "the key was refused" : "it needs a key: name the variable that holds it with --api-key-env";
}

/** An answer that is not a success, in words. */
export async function statusFault(res: Response, target: RemoteTarget, path: string): Promise<Error> {
  return faultOf(res.status, await readErrorBody(res, target), target, path);
}

/** An error answer's body, read within the limits (empty when it cannot be read). */
export function readErrorBody(res: Response, target: RemoteTarget): Promise<string> {
  return readText(res, target, 64 * 1024).catch(() => "");
}

/** An answer that is not a success, from its status and body, in words. */
export function faultOf(status: number, body: string, target: RemoteTarget, path: string): Error {
  const said = errorMessage(body);
  const detail = said ? ` (${said})` : "";
  if (status === 401 || status === 403)
    return new RemoteError(`${target.label} refused the request: ${keyWords(target)}`);
  if ((status === 400 || status === 413) && (isOverflow(body) || /context|too long|exceed/i.test(said)))
    return new ContextOverflowError(`${target.label}: the prompt does not fit the server's context${detail}`, {
      counted: overflowCounts(body),
    });
  if (status === 400 || status === 422) return new RemoteError(`${target.label} refused the request${detail}`);
  if (status === 404)
    return new RemoteError(`${target.label} has no ${path}: is the base URL right (it usually ends in /v1)?`);
  if (status === 429 || status === 503)
    return new RemoteError(`${target.label} is busy (status ${status}) and stayed busy: try again later${detail}`);
  if (status >= 500) return new RemoteError(`${target.label} failed (status ${status})${detail}`);
  return new RemoteError(`${target.label} answered with status ${status}${detail}`);
}

/**
 * Sends one request and returns the response once its headers arrive, after retrying a busy
 * server. A network failure is a RemoteError in words; an abort rejects with the abort reason.
 */
export async function send(target: RemoteTarget, path: string, options: SendOptions): Promise<Response> {
  const url = new URL(`${target.baseUrl}${path}`);
  const retry = options.retry ?? DEFAULT_RETRY;
  const headers: Record<string, string> = {
    Accept: options.method === "POST" ? "text/event-stream" : "application/json",
  };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (target.apiKey) headers.Authorization = `Bearer ${target.apiKey}`;
  for (let attempt = 0; ; attempt++) {
    // The caller's signal stays with the body; the timer only bounds the wait for the headers.
    const timeout = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    const timer = setTimeout(
      () =>
        timeout.abort(
          new RemoteError(`${target.label} did not answer within ${Math.round(target.idleMs / 1000)} s (idle-timeout)`),
        ),
      target.idleMs,
    );
    let res: Response;
    try {
      if (options.signal?.aborted) throw options.signal.reason;
      res = await fetch(url, {
        method: options.method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal,
        redirect: "error",
      });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.signal.aborted) throw timeout.signal.reason;
      throw networkFault(err, url, target.label);
    } finally {
      clearTimeout(timer);
    }
    if ((res.status === 429 || res.status === 503) && attempt + 1 < retry.attempts) {
      const pause = pauseFor(res, attempt);
      if (pause <= retry.maxPauseMs) {
        await res.body?.cancel().catch(() => undefined);
        options.onWait?.(
          `${target.label} is busy (status ${res.status}): trying again in ${(pause / 1000).toFixed(pause < 10_000 ? 1 : 0)} s`,
        );
        await sleep(pause, options.signal);
        continue;
      }
    }
    return res;
  }
}
