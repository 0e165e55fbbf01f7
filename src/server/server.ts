/**
 * The OpenAI-compatible HTTP front end: routes, limits, the API key, CORS and one log line per
 * request. Every request is answered by the same conversation core as the chat screen.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BusyError, type ModelPool } from "../core/model-pool.js";
import { sanitizeForTerminal } from "../output/sanitize.js";
import type { Settings, Values } from "../settings/resolve.js";
import { checkKey } from "./auth.js";
import type { Catalog } from "./catalog.js";
import { chatCompletions } from "./chat-route.js";
import { completions } from "./completions-route.js";
import { HttpError, toHttpError } from "./errors.js";
import { parseJsonObject, readBody, sendError, sendJson } from "./http-io.js";
import { getModel, listModels } from "./models-route.js";
import type { RouteContext, RouteResult } from "./route-context.js";

export interface ServerOptions {
  host: string;
  port: number;
  apiKey: string | undefined;
  /** The one origin browsers may call from; none: no CORS headers. */
  cors: string | undefined;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  catalog: Catalog;
  pool: ModelPool;
  settingsFor(values: Values): Settings;
  record?: RouteContext["record"];
  /** One line for stderr (the request log, notices). */
  log(line: string): void;
}

/** Time limits against slow or idle clients. */
export const LIMITS = {
  /** The request's headers must arrive within this. */
  headersMs: 10_000,
  /** The whole request (headers and body) must arrive within this. */
  requestMs: 30_000,
  /** An idle kept-alive connection is closed after this. */
  keepAliveMs: 5_000,
} as const;

export class ParleyServer {
  private readonly server: Server;
  private readonly running = new Set<AbortController>();
  private ready = false;
  private stopping = false;

  constructor(private readonly options: ServerOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.headersTimeout = LIMITS.headersMs;
    this.server.requestTimeout = LIMITS.requestMs;
    this.server.keepAliveTimeout = LIMITS.keepAliveMs;
    this.server.maxHeadersCount = 100;
  }

  /** Starts listening; resolves with the address clients use. */
  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", reject);
        const address = this.server.address() as AddressInfo;
        const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
        resolve(`http://${host}:${address.port}`);
      });
    });
  }

  /** The default model is loaded: `/health` says 200 from now on. */
  markReady(): void {
    this.ready = true;
  }

  /** Requests being answered now. */
  get active(): number {
    return this.running.size;
  }

  /**
   * Stops accepting, lets running requests finish for up to `graceMs`, then stops the rest and
   * closes every connection.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    this.abortAll();
    for (let waited = 0; this.running.size > 0 && waited < 2000; waited += 25)
      await new Promise((r) => setTimeout(r, 25));
    this.server.closeAllConnections();
    await closed;
  }

  /** Stops every request being answered now. */
  abortAll(): void {
    for (const controller of this.running) controller.abort();
  }

  private corsHeaders(req: IncomingMessage): Record<string, string> {
    const allowed = this.options.cors;
    if (allowed === undefined || req.headers.origin === undefined) return {};
    if (allowed !== "*" && req.headers.origin !== allowed) return {};
    return {
      "Access-Control-Allow-Origin": allowed,
      "Access-Control-Allow-Headers": "Authorization, Content-Type",
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      Vary: "Origin",
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const controller = new AbortController();
    this.running.add(controller);
    let clientGone = false;
    res.on("close", () => {
      if (res.writableFinished) return;
      clientGone = true;
      controller.abort();
    });
    for (const [name, value] of Object.entries(this.corsHeaders(req))) res.setHeader(name, value);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    let result: RouteResult = { status: 200 };
    try {
      if (this.stopping) res.setHeader("Connection", "close");
      result = await this.route(req, res, path, controller.signal);
      // A client that went away before its answer ended: logged as nginx does, 499.
      if (clientGone) result = { ...result, status: 499 };
    } catch (err) {
      const error =
        err instanceof BusyError
          ? new HttpError(503, err.message, "server_busy_error", "server_busy", null, 1)
          : controller.signal.aborted && !(err instanceof HttpError)
            ? new HttpError(499, "the client closed the connection", "invalid_request_error", "client_closed")
            : toHttpError(err);
      if (!res.headersSent && !res.destroyed) sendError(res, error);
      else if (!res.writableEnded) res.end();
      result = { status: error.status };
      if (error.status >= 500 && error.type === "server_error")
        this.options.log(`error: ${sanitizeForTerminal(error.message)}`);
    } finally {
      this.running.delete(controller);
    }
    this.logLine(req.method ?? "?", path, result, performance.now() - started);
  }

  private logLine(method: string, path: string, result: RouteResult, ms: number): void {
    const usage = result.usage;
    const tokens = usage ? ` prompt=${usage.prompt_tokens} completion=${usage.completion_tokens}` : "";
    const model = result.model ? ` model=${result.model}` : "";
    const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const safePath = sanitizeForTerminal(path.length > 200 ? `${path.slice(0, 200)}…` : path);
    this.options.log(
      `${time} ${sanitizeForTerminal(method)} ${safePath} ${result.status}${model}${tokens} ${Math.round(ms)}ms`,
    );
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    signal: AbortSignal,
  ): Promise<RouteResult> {
    const method = req.method ?? "GET";
    if (method === "OPTIONS" && this.options.cors !== undefined) {
      res.writeHead(204).end();
      return { status: 204 };
    }
    if (path === "/health" || path === "/v1/health") {
      if (method !== "GET") throw new HttpError(405, "use GET for /health");
      const status = this.ready ? 200 : 503;
      sendJson(res, status, { status: this.ready ? "ok" : "loading" }, this.ready ? {} : { "Retry-After": "1" });
      return { status };
    }
    checkKey(req, this.options.apiKey);
    const { catalog, pool } = this.options;
    const v1 = path.startsWith("/v1/") ? path.slice(3) : path;
    if (v1 === "/models") {
      if (method !== "GET") throw new HttpError(405, "use GET for /v1/models");
      sendJson(res, 200, await listModels(catalog, pool));
      return { status: 200 };
    }
    if (v1.startsWith("/models/")) {
      if (method !== "GET") throw new HttpError(405, "use GET for /v1/models/{id}");
      let id: string;
      try {
        id = decodeURIComponent(v1.slice("/models/".length));
      } catch {
        throw new HttpError(
          400,
          "the model name in the path is not valid percent-encoding",
          "invalid_request_error",
          null,
          "model",
        );
      }
      sendJson(res, 200, await getModel(catalog, pool, id));
      return { status: 200 };
    }
    const routes: Record<string, typeof chatCompletions> = {
      "/chat/completions": chatCompletions,
      "/completions": completions,
    };
    const handler = routes[v1];
    if (v1 === "/embeddings") {
      throw new HttpError(404, "parley serve does not offer embeddings", "not_found_error", "unsupported_endpoint");
    }
    if (!handler || !Object.hasOwn(routes, v1)) {
      throw new HttpError(
        404,
        `there is no ${path} here: use /v1/chat/completions, /v1/completions or /v1/models`,
        "not_found_error",
      );
    }
    if (method !== "POST") throw new HttpError(405, `use POST for ${path}`);
    const body = parseJsonObject(await readBody(req, this.options.bodyLimit));
    if (!this.ready) throw new HttpError(503, "the model is still loading", "server_busy_error", "loading", null, 1);
    const ctx: RouteContext = {
      catalog,
      pool,
      settingsFor: (values) => this.options.settingsFor(values),
      signal,
      record: this.options.record,
    };
    return handler(ctx, body, res);
  }
}
