/**
 * What goes wrong with a remote server, in plain words: network failures (never an errno),
 * and the text a server sends back, made safe for one line on a terminal.
 */
import { RemoteError } from "../../errors.js";

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Text from a server made fit for one line: control characters become a space. */
export function plainText(text: string): string {
  return text.replace(CONTROLS, " ").trim();
}

const TLS = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|EPROTO$|HOSTNAME_MISMATCH)/;

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e !== undefined && e !== null; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A request that failed before any answer (or while reading one), in words. */
export function networkFault(err: unknown, url: URL, endpoint: string): RemoteError {
  const origin = url.origin;
  const code = errorCode(err) ?? "";
  const text = (): string => {
    if (code === "ECONNREFUSED") return `nothing answers at ${origin} (connection refused): is the server running?`;
    if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME")
      return `cannot find the host "${url.hostname}": the name does not resolve`;
    if (TLS.test(code) || /ssl|tls|certificate/i.test(String((err as Error).message)))
      return `the secure (https) connection to ${origin} failed: the server does not speak TLS there, or its certificate is not trusted`;
    if (code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE")
      return `the connection to ${origin} was closed by the other side`;
    if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return `connecting to ${origin} timed out`;
    if (/redirect/i.test(String((err as { cause?: Error }).cause?.message)))
      return `${origin} answered with a redirect: give the address it sends to as the base URL`;
    if (/bad port/i.test(String((err as { cause?: Error }).cause?.message)))
      return `port ${url.port} is reserved for another protocol and cannot be used for HTTP: use another port`;
    if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return `${origin} cannot be reached from this machine`;
    return `cannot reach ${origin}`;
  };
  return new RemoteError(`${endpoint}: ${text()}`, { cause: err });
}

/** The message inside an OpenAI-style error body, or the body's start. */
export function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const inner = parsed.error;
    if (typeof inner === "string") return clip(inner);
    if (inner && typeof inner.message === "string") return clip(inner.message);
    if (typeof parsed.message === "string") return clip(parsed.message);
  } catch {
    // Not JSON: the text itself.
  }
  return clip(body);
}

function clip(text: string): string {
  const clean = plainText(text);
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

/** What a server's words say about a prompt too long for its context. */
const OVERFLOW =
  /exceeds? the available context|maximum context length|context_length_exceeded|exceed_context_size|larger than the max context size|does not fit the (server's )?context|prompt is too long|too many tokens/i;

export function isOverflow(text: string): boolean {
  return OVERFLOW.test(text);
}

function whole(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

function numberAfter(text: string, pattern: RegExp): number | undefined {
  const found = pattern.exec(text)?.[1];
  return found !== undefined ? whole(Number(found)) : undefined;
}

/**
 * The counts a refusal for a prompt too long gives, when it gives them: llama-server's
 * `n_prompt_tokens` and `n_ctx`, parley serve's, vLLM's and OpenAI's sentences.
 */
export function overflowCounts(body: string): { promptTokens?: number; contextSize?: number } {
  let fields: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === "object" && parsed.error !== null) fields = parsed.error as Record<string, unknown>;
  } catch {
    // Not JSON: only the words.
  }
  const text = plainText(body);
  const promptTokens =
    whole(fields.n_prompt_tokens) ??
    numberAfter(text, /\((\d+) in the messages/) ??
    numberAfter(text, /request \((\d+) tokens\)/) ??
    numberAfter(text, /input \((\d+) tokens\)/) ??
    numberAfter(text, /prompt takes (?:at least )?(\d+) tokens/) ??
    numberAfter(text, /resulted in (\d+) tokens/);
  const contextSize =
    whole(fields.n_ctx) ??
    numberAfter(text, /maximum context length is (\d+)/) ??
    numberAfter(text, /context size \((\d+) tokens\)/) ??
    numberAfter(text, /the context holds (\d+)/);
  return {
    ...(promptTokens !== undefined ? { promptTokens } : {}),
    ...(contextSize !== undefined ? { contextSize } : {}),
  };
}
