/** What a route is given to answer one request, and what it says back for the log line. */
import type { Message, Usage } from "../chat/types.js";
import type { ModelPool } from "../core/model-pool.js";
import type { Persistence } from "../core/persistence.js";
import type { ChatEngine } from "../core/index.js";
import type { Settings, Values } from "../settings/resolve.js";
import type { Catalog } from "./catalog.js";
import { HttpError } from "./errors.js";

export interface RouteContext {
  catalog: Catalog;
  pool: ModelPool;
  /** The server's settings with a request's sampling values above them. */
  settingsFor(values: Values): Settings;
  /** Fires when the client goes away (or the server stops at once). */
  signal: AbortSignal;
  /** With `--record`: where a request's conversation is written. */
  record?: ((engine: ChatEngine, settings: Settings, messages: readonly Message[]) => Promise<Persistence>) | undefined;
}

export interface RouteResult {
  status: number;
  usage?: Usage | undefined;
  model?: string;
}

/** `stream` and `stream_options.include_usage`, checked. */
export function streamOptions(body: Record<string, unknown>): { stream: boolean; includeUsage: boolean } {
  const { stream, stream_options: options } = body;
  if (stream !== undefined && stream !== null && typeof stream !== "boolean")
    throw new HttpError(400, `request field "stream" must be true or false`, "invalid_request_error", null, "stream");
  let includeUsage = false;
  if (options !== undefined && options !== null) {
    if (typeof options !== "object" || Array.isArray(options))
      throw new HttpError(
        400,
        `request field "stream_options" must be an object`,
        "invalid_request_error",
        null,
        "stream_options",
      );
    const include = (options as Record<string, unknown>).include_usage;
    if (include !== undefined && include !== null && typeof include !== "boolean")
      throw new HttpError(
        400,
        `request field "stream_options.include_usage" must be true or false`,
        "invalid_request_error",
        null,
        "stream_options",
      );
    includeUsage = include === true;
  }
  return { stream: stream === true, includeUsage };
}
