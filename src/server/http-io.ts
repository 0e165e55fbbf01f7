/** Reading bounded request bodies and writing JSON and Server-Sent Events. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseJsonText } from "../chat/messages.js";
import { errorBody, HttpError } from "./errors.js";

/** Reads the whole body, refusing one over `limit` bytes (413) as soon as it is. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", () => reject(new HttpError(400, "the request body could not be read")));
    req.on("aborted", () => reject(new HttpError(400, "the client closed the request before its body ended")));
  });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    `the request body is larger than ${Math.round(limit / (1024 * 1024))} MB`,
    "invalid_request_error",
    "body_too_large",
  );
}

/** The body as a JSON object, or a 400 that says where it went wrong. */
export function parseJsonObject(text: string): Record<string, unknown> {
  const value = parseJsonText(text, "the request body");
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new HttpError(400, "the request body must be a JSON object");
  return value as Record<string, unknown>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  const headers: Record<string, string> = {};
  if (err.retryAfter !== undefined) headers["Retry-After"] = String(err.retryAfter);
  if (err.status === 401) headers["WWW-Authenticate"] = "Bearer";
  sendJson(res, err.status, errorBody(err), headers);
}

/** A Server-Sent Events stream: `data: {json}` events, then `data: [DONE]`. */
export class EventStream {
  constructor(private readonly res: ServerResponse) {}

  get started(): boolean {
    return this.res.headersSent;
  }

  start(): void {
    if (this.res.headersSent) return;
    this.res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    this.res.flushHeaders();
  }

  send(data: unknown): void {
    this.start();
    if (!this.res.writableEnded) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** An error after the stream started: a `data:` event with the error object, then the end. */
  fail(err: HttpError): void {
    this.send(errorBody(err));
    this.end();
  }

  end(): void {
    this.start();
    if (!this.res.writableEnded) this.res.end("data: [DONE]\n\n");
  }
}
