/** What the `parley endpoints` subcommands do. */
import { DEFAULT_PARAMS } from "../../chat/params.js";
import { DEFAULT_IDLE_MS, listRemoteModels, openRemoteEngine, remoteTarget } from "../../engine/remote/connect.js";
import { keyState } from "../../core/remote-model.js";
import type { RemoteEngineSpec } from "../../engine/spec.js";
import { ModelError, UsageError } from "../../errors.js";
import { stringifyJson } from "../../output/json-text.js";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import {
  addEndpoint,
  checkEndpointName,
  getEndpoint,
  readEndpoints,
  removeEndpoint,
  type Endpoint,
} from "../../store/endpoints.js";

export interface EndpointFlags {
  apiKeyEnv?: string;
  contextSize?: string;
  force?: boolean;
  json?: boolean;
  model?: string;
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function listEndpoints(opts: EndpointFlags): void {
  const all = [...readEndpoints().values()];
  if (opts.json) {
    const rows = all.map((e) => ({
      name: e.name,
      url: e.url,
      apiKeyEnv: e.apiKeyEnv ?? null,
      apiKeySet: e.apiKeyEnv !== undefined && (process.env[e.apiKeyEnv] ?? "") !== "",
      contextSize: e.contextSize ?? null,
    }));
    out(stringifyJson(rows, 2));
    return;
  }
  if (all.length === 0) {
    out('no endpoints yet: add one with "parley endpoints add NAME URL"');
    return;
  }
  for (const e of all) {
    const context = e.contextSize !== undefined ? `, context ${e.contextSize}` : "";
    out(`${e.name}  ${e.url}  key: ${keyState(e.apiKeyEnv)}${context}`);
  }
}

function contextSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 16 || n > 10_000_000)
    throw new UsageError(`invalid value for --context-size: "${raw}" (a whole number from 16 to 10000000)`);
  return n;
}

export function addEndpointCommand(name: string, url: string, opts: EndpointFlags): void {
  checkEndpointName(name);
  const size = contextSize(opts.contextSize);
  const added = addEndpoint(
    {
      name,
      url,
      ...(opts.apiKeyEnv !== undefined ? { apiKeyEnv: opts.apiKeyEnv } : {}),
      ...(size !== undefined ? { contextSize: size } : {}),
    },
    opts.force === true,
  );
  out(`added endpoint ${added.name}: ${added.url}; use a model on it with -m ${added.name}:<model-id>`);
}

export function removeEndpointCommand(name: string): void {
  removeEndpoint(name);
  out(`removed endpoint ${name}`);
}

function specOf(e: Endpoint, model: string): RemoteEngineSpec {
  const key = e.apiKeyEnv !== undefined ? process.env[e.apiKeyEnv] : undefined;
  return {
    kind: "remote",
    baseUrl: e.url,
    model,
    endpoint: e.name,
    ...(e.apiKeyEnv !== undefined ? { apiKeyEnv: e.apiKeyEnv } : {}),
    ...(key !== undefined && key !== "" ? { apiKey: key } : {}),
    ...(e.contextSize !== undefined ? { contextSize: e.contextSize } : {}),
    idleTimeoutMs: DEFAULT_IDLE_MS,
  };
}

/** Lists the server's models and asks one of them for a few tokens; prints how long each took. */
export async function testEndpointCommand(name: string, opts: EndpointFlags): Promise<void> {
  const endpoint = getEndpoint(name);
  const started = performance.now();
  const models = await listRemoteModels(remoteTarget(specOf(endpoint, "")));
  const listMs = performance.now() - started;
  const ids = (models ?? []).map((m) => m.id);
  const model = opts.model ?? ids[0];
  if (model === undefined) throw new ModelError(`endpoint ${name} lists no models: name one with --model <id>`);
  const engine = await openRemoteEngine(specOf(endpoint, model));
  const asked = performance.now();
  let text = "";
  let result: { completionTokens: number; firstTokenAt: number | undefined; estimated?: boolean } | undefined;
  for await (const part of engine.generate({
    messages: [{ role: "user", content: "Say OK." }],
    params: { ...DEFAULT_PARAMS, temperature: 0, maxTokens: 8 },
  })) {
    if (part.type === "text") text += part.text;
    if (part.type === "finish") result = part.result;
  }
  const totalMs = performance.now() - asked;
  const firstMs = result?.firstTokenAt !== undefined ? result.firstTokenAt - asked : undefined;
  if (opts.json) {
    out(
      stringifyJson(
        {
          endpoint: name,
          url: endpoint.url,
          models: models === undefined ? null : ids,
          models_ms: Math.round(listMs),
          model,
          context_size: engine.info.contextSize,
          completion_ms: Math.round(totalMs),
          first_token_ms: firstMs === undefined ? null : Math.round(firstMs),
          completion_tokens: result?.completionTokens ?? 0,
          usage_sent: result !== undefined && result.estimated !== true,
          reply: text,
        },
        2,
      ),
    );
    return;
  }
  const listed =
    models === undefined
      ? "the server has no /models"
      : `${ids.length} model${ids.length === 1 ? "" : "s"}: ${ids.join(", ")}`;
  out(`endpoint ${name} (${endpoint.url}): ${sanitizeForTerminal(listed)} (${Math.round(listMs)} ms)`);
  out(
    `completion with ${sanitizeForTerminal(model)}: ${result?.completionTokens ?? 0} tokens in ${Math.round(totalMs)} ms` +
      (firstMs !== undefined ? `, first after ${Math.round(firstMs)} ms` : "") +
      `, context ${engine.info.contextSize} tokens, ` +
      (result?.estimated ? "no usage sent (counts are estimated)" : "usage sent") +
      `: ${JSON.stringify(sanitizeForTerminal(text))}`,
  );
}
