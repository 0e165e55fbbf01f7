/**
 * The requests of downloads, bounded: every answer's head must come within a time limit, a small
 * answer (the hub's JSON) is read up to a size limit within a time limit, and redirects are
 * followed here, not by fetch, so that a loop is named as one, the hub's checksum headers on a
 * redirect (`x-linked-etag`, `x-linked-size`) are seen, and a token is not sent to another host.
 */
import { ModelError } from "../errors.js";

export const HTTP_LIMITS = {
  /** Waiting for the head of an answer (ms). */
  headMs: 30_000,
  /** Reading a whole small answer, such as the hub's manifest (ms). */
  smallBodyMs: 30_000,
  /** The largest small answer read (bytes). */
  smallBodyBytes: 1024 * 1024,
  redirects: 10,
};

/** What the hub says about a file on the way to it: its sha256 and size, when it is stored in LFS. */
export interface Linked {
  sha256?: string;
  size?: number;
}

export interface FollowOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Names the request in errors ("cannot download <what>: ..."). */
  what: string;
  headMs?: number;
}

export interface Followed {
  response: Response;
  linked: Linked;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function linkedFrom(headers: Headers, into: Linked): void {
  const etag = (headers.get("x-linked-etag") ?? "").replace(/^W\//, "").replace(/"/g, "").toLowerCase();
  if (/^[0-9a-f]{64}$/.test(etag)) into.sha256 = etag;
  const size = headers.get("x-linked-size") ?? "";
  if (/^\d{1,16}$/.test(size)) into.size = Number(size);
}

/** True when the error comes from our own time limit, not from the caller's signal. */
export class HeadTimeout extends ModelError {}

/**
 * GET `url`, following up to 10 redirects by hand. Throws ModelError: no answer within the head
 * time limit, a redirect loop, too many redirects, a redirect to an address that is not http(s).
 * A failure to connect is thrown as it is (the caller words it).
 */
export async function fetchFollowing(url: string, options: FollowOptions): Promise<Followed> {
  const seen = new Set<string>();
  const linked: Linked = {};
  const headMs = options.headMs ?? HTTP_LIMITS.headMs;
  let current = new URL(url);
  const origin = current.origin;
  for (;;) {
    seen.add(current.href);
    // The limit is on the head only: once it has come, the body may take as long as it needs.
    const late = new AbortController();
    const timer = setTimeout(() => late.abort(), headMs);
    const signal = options.signal ? AbortSignal.any([options.signal, late.signal]) : late.signal;
    const headers = { ...options.headers };
    if (current.origin !== origin) delete headers.authorization;
    let response: Response;
    try {
      response = await fetch(current, { headers, signal, redirect: "manual" });
    } catch (err) {
      if (late.signal.aborted && !options.signal?.aborted) {
        throw new HeadTimeout(
          `cannot download ${options.what}: ${current.host} did not answer within ${Math.round(headMs / 1000)} s`,
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (!REDIRECTS.has(response.status)) return { response, linked };
    linkedFrom(response.headers, linked);
    await response.body?.cancel();
    const location = response.headers.get("location");
    let next: URL;
    try {
      if (location === null) throw new Error("no location");
      next = new URL(location, current);
    } catch {
      throw new ModelError(
        `cannot download ${options.what}: ${current.host} redirected to an address that is not valid`,
      );
    }
    if (next.protocol !== "https:" && next.protocol !== "http:") {
      throw new ModelError(`cannot download ${options.what}: ${current.host} redirected to a ${next.protocol} address`);
    }
    if (seen.has(next.href)) {
      throw new ModelError(`cannot download ${options.what}: the server redirects in a loop (${next.host})`);
    }
    if (seen.size > HTTP_LIMITS.redirects) {
      throw new ModelError(`cannot download ${options.what}: more than ${HTTP_LIMITS.redirects} redirects`);
    }
    current = next;
  }
}

/** The body of a small answer as text: at most `maxBytes`, within `ms`; a ModelError otherwise. */
export async function readSmallBody(
  response: Response,
  what: string,
  maxBytes = HTTP_LIMITS.smallBodyBytes,
  ms = HTTP_LIMITS.smallBodyMs,
): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  const tooLarge = (): ModelError => new ModelError(`cannot download ${what}: the server's answer is too large`);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return "";
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ModelError(`cannot download ${what}: the server's answer did not arrive within ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), late]);
      if (done) break;
      total += value.length;
      if (total > maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
