/**
 * Errors as OpenAI's API sends them: `{"error": {"message", "type", "param", "code"}}` with the
 * status that tells a client whether to retry. A caller's mistake is never a 500 (SDKs retry those).
 */
import { ParleyError } from "../errors.js";

export type ErrorType =
  "invalid_request_error" | "authentication_error" | "not_found_error" | "server_busy_error" | "server_error";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType = "invalid_request_error",
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Seconds, for 429 and 503. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** The field a parser's message names (`request field "top_p" …`, `messages[2].role …`). */
function paramOf(message: string): string | null {
  const field = /request field "([^"]+)"/.exec(message);
  if (field?.[1]) return field[1];
  const path = /^(messages\[\d+\][\w.[\]]*)/.exec(message);
  if (path?.[1]) return path[1];
  return /^messages\b/.test(message) ? "messages" : null;
}

/** Any failure as the HTTP error to send. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof ParleyError) {
    switch (err.code) {
      case "usage":
        return new HttpError(400, err.message, "invalid_request_error", null, paramOf(err.message));
      case "context_overflow":
        return new HttpError(400, err.message, "invalid_request_error", "context_length_exceeded", "messages");
      case "model":
        return new HttpError(500, err.message, "server_error", "model_load_failed");
      case "interrupted":
      case "output":
      case "runtime":
        return new HttpError(500, err.message, "server_error");
    }
  }
  return new HttpError(500, "internal error: the request could not be answered", "server_error");
}

/** The error envelope's body. */
export function errorBody(err: HttpError): {
  error: { message: string; type: string; param: string | null; code: string | null };
} {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}
