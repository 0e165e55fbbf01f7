/** Running `parley serve`: settings, the model, the pool of sequences, the HTTP server, signals. */
import { isIP } from "node:net";
import { loadSettings, resolveModel } from "../core/open.js";
import { remoteSpec } from "../core/remote-model.js";
import { ModelPool } from "../core/model-pool.js";
import { modelSpec, withPredictor } from "../core/models.js";
import { openRecording } from "../core/open.js";
import { ExitCode, UsageError, type ParleyError } from "../errors.js";
import { sanitizeForTerminal } from "../output/sanitize.js";
import { Catalog } from "../server/catalog.js";
import { ParleyServer } from "../server/server.js";
import type { Values } from "../settings/resolve.js";
import { flagValues, type ChatFlags } from "./flags.js";

export interface ServeFlags extends ChatFlags {
  host?: string;
  port?: string;
  parallel?: string;
  maxModels?: string;
  queue?: string;
  keepAlive?: string;
  apiKey?: string;
  cors?: string;
  record?: boolean;
}

/** Largest request body: the `--messages` file limit. */
export const BODY_LIMIT = 16 * 1024 * 1024;
/** How long running requests may take to finish when the server is stopped. */
const GRACE_MS = 10_000;

function whole(raw: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(
      `invalid value for ${name}: "${sanitizeForTerminal(raw)}" (expected a whole number from ${min} to ${max})`,
    );
  }
  return Number(raw);
}

/** `--keep-alive`: "90", "90s", "10m", "2h" (at least 1 second, at most 30 days), in ms. */
export function keepAliveMs(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/i.exec(raw.trim());
  const unit = { s: 1, m: 60, h: 3600 }[(m?.[2] ?? "s").toLowerCase() as "s" | "m" | "h"];
  const seconds = m ? Number(m[1]) * unit : Number.NaN;
  if (!(seconds >= 1 && seconds <= 30 * 86400)) {
    throw new UsageError(
      `invalid value for --keep-alive: "${sanitizeForTerminal(raw)}" (expected a time from 1s to 30 days, like 90s, 10m or 2h)`,
    );
  }
  return Math.round(seconds * 1000);
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

function apiKey(flags: ServeFlags): string | undefined {
  const fromFlag = flags.apiKey;
  const fromEnv = process.env.PARLEY_API_KEY;
  const key = fromFlag ?? (fromEnv === "" ? undefined : fromEnv);
  // eslint-disable-next-line no-control-regex
  if (key !== undefined && (key.trim() === "" || /[\s\u0000-\u001f\u007f]/.test(key))) {
    throw new UsageError(
      `invalid API key in ${fromFlag !== undefined ? "--api-key" : "PARLEY_API_KEY"}: it must be one word with no spaces or control characters`,
    );
  }
  return key;
}

function listenError(err: unknown, host: string, port: number): ParleyError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  if (code === "EADDRINUSE")
    return new UsageError(`cannot listen on ${where}: the port is in use (choose another with --port, or --port 0)`);
  if (code === "EACCES") return new UsageError(`cannot listen on ${where}: ports below 1024 need more privileges`);
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new UsageError(`cannot listen on ${where}: this machine has no such address`);
  return new UsageError(`cannot listen on ${where}: ${(err as Error).message}`);
}

export async function runServe(flags: ServeFlags): Promise<number> {
  const host = flags.host ?? "127.0.0.1";
  if (host.trim() === "") throw new UsageError("invalid value for --host: it is empty");
  const port = whole(flags.port, "--port", 0, 65535, 8080);
  const parallel = whole(flags.parallel, "--parallel", 1, 64, 1);
  const maxModels = whole(flags.maxModels, "--max-models", 1, 16, 1);
  const maxQueue = whole(flags.queue, "--queue", 0, 100_000, 32);
  const keepAlive = keepAliveMs(flags.keepAlive);
  const key = apiKey(flags);
  if (flags.cors !== undefined && flags.cors !== "*" && !/^https?:\/\/[^\s/]+$/.test(flags.cors)) {
    throw new UsageError(
      `invalid value for --cors: "${sanitizeForTerminal(flags.cors)}" (expected * or an origin like http://localhost:3000)`,
    );
  }
  const debug = flags.debug === true;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  // Requests longer than the context are refused, never cut: a server drops no caller's messages.
  const request = { flags: { ...flagValues(flags), "context-policy": "stop" }, history: flags.record === true };
  const { settings } = loadSettings(request);
  if (remoteSpec(settings, settings.string("model"), process.env)) {
    throw new UsageError(
      "parley serve serves models on this machine; the model is a remote one (base-url is set, or -m names an endpoint)",
    );
  }
  const modelPath = await resolveModel({ ...request, source: "one-shot" });
  const notices: string[] = [];
  const baseSpec = await withPredictor(modelSpec(settings, modelPath, debug, notices), settings, {
    interactive: false,
    offline: settings.boolean("offline") === true,
  });
  for (const text of notices) log(`parley: ${text}`);
  const pool = new ModelPool({
    spec: (path) => ({ ...baseSpec, model: path }),
    parallel,
    maxModels,
    maxQueue,
    keepAliveMs: keepAlive,
    onNotice: (text) => log(`parley: ${sanitizeForTerminal(text)}`),
  });
  const server = new ParleyServer({
    host,
    port,
    apiKey: key,
    cors: flags.cors,
    bodyLimit: BODY_LIMIT,
    catalog: new Catalog(modelPath),
    pool,
    // A request's own values rank above every default of the server's.
    settingsFor: (values: Values) => settings.with({ source: "/set", values, label: "request body" }),
    record: flags.record
      ? (engine, requestSettings, messages) => openRecording(engine, modelPath, requestSettings.params(), messages)
      : undefined,
    log,
  });
  let address: string;
  try {
    address = await server.listen();
  } catch (err) {
    throw listenError(err, host, port);
  }
  if (!isLoopback(host) && key === undefined) {
    log(
      `parley: warning: serving on ${host} without an API key: anyone who can reach this machine can use the model (set --api-key or PARLEY_API_KEY)`,
    );
  }
  process.stdout.write(`parley serve: listening on ${address}\n`);
  let stopping: Promise<void> | undefined;
  const exitCode: number = ExitCode.ok;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log("parley: stopping: no new requests; waiting for running ones to finish");
      await server.stop(GRACE_MS);
      await pool.close();
    })();
    return stopping;
  };
  const finished = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signal === "SIGINT" && stopping) {
        server.abortAll();
        process.exit(ExitCode.interrupted);
      }
      void stop().then(resolve);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    process.on("SIGHUP", onSignal);
  });
  try {
    await pool.preload(modelPath);
    server.markReady();
  } catch (err) {
    await server.stop(0);
    throw err;
  }
  await finished;
  return exitCode;
}
