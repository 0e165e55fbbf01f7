/**
 * Remote models: a reference `NAME:model-id` where NAME is a named endpoint, or any model with
 * `base-url` set (`--base-url`, PARLEY_BASE_URL, a resumed conversation's). Turns them into a
 * remote engine spec (the key read from its variable now, never stored) and into what a
 * conversation records: the endpoint's name or base URL, and the model id.
 */
import { existsSync } from "node:fs";
import { listRemoteModels, remoteTarget, type RemoteModel } from "../engine/remote/connect.js";
import type { RemoteEngineSpec } from "../engine/spec.js";
import { ParleyError, UsageError } from "../errors.js";
import type { Settings } from "../settings/resolve.js";
import type { ModelIdentity } from "../store/conversation-records.js";
import { modelsFolder, readAliases } from "../models/folder.js";
import { checkBaseUrl, ENDPOINT_NAME, readEndpoints, type Endpoint } from "../store/endpoints.js";

const ENDPOINT_REF = /^([^:\\/]+):(.+)$/;

/** What the key of a server with no variable named is read from: OpenAI's own variable for its API. */
function defaultKeyEnv(baseUrl: string): string | undefined {
  return new URL(baseUrl).hostname === "api.openai.com" ? "OPENAI_API_KEY" : undefined;
}

function withKey(spec: RemoteEngineSpec, env: NodeJS.ProcessEnv): RemoteEngineSpec {
  const name = spec.apiKeyEnv ?? defaultKeyEnv(spec.baseUrl);
  if (name === undefined) return spec;
  const key = env[name];
  return { ...spec, apiKeyEnv: name, ...(key !== undefined && key !== "" ? { apiKey: key } : {}) };
}

/** A reference a local model could have: an existing file or an alias. */
function localName(ref: string): boolean {
  if (existsSync(ref)) return true;
  try {
    return readAliases(modelsFolder())[ref] !== undefined;
  } catch {
    return false;
  }
}

/**
 * The endpoint and model a `NAME:model-id` reference names, when NAME is a named endpoint. With
 * `strict`, a NAME that is no endpoint (and a reference that is no local file or alias) is an error.
 */
function endpointSpec(ref: string, strict: boolean): RemoteEngineSpec | undefined {
  const match = ENDPOINT_REF.exec(ref.trim());
  const name = match?.[1];
  const model = match?.[2];
  // `hf:` references and URLs (`https://…`) are downloads, never an endpoint's model.
  if (name === undefined || model === undefined || /^hf$/i.test(name) || model.startsWith("//")) return undefined;
  if (!ENDPOINT_NAME.test(name)) return undefined;
  const all = readEndpoints();
  const endpoint = all.get(name);
  if (!endpoint) {
    if (!strict || localName(ref)) return undefined;
    const known = [...all.keys()];
    throw new UsageError(
      `no endpoint "${name}" for the model "${ref}"` +
        (known.length > 0
          ? ` (known endpoints: ${known.join(", ")})`
          : `: add one with "parley endpoints add ${name} <url>"`),
    );
  }
  return {
    kind: "remote",
    baseUrl: endpoint.url,
    model,
    endpoint: endpoint.name,
    ...(endpoint.apiKeyEnv !== undefined ? { apiKeyEnv: endpoint.apiKeyEnv } : {}),
    ...(endpoint.contextSize !== undefined ? { contextSize: endpoint.contextSize } : {}),
  };
}

/** Whether `ref` is `NAME:model-id` for a named endpoint (and no local file): a remote model. */
export function namesEndpoint(ref: string): boolean {
  try {
    return !existsSync(ref) && endpointSpec(ref, false) !== undefined;
  } catch {
    // An endpoints file that cannot be read names no endpoint here; using it says why.
    return false;
  }
}

/**
 * The remote engine spec for the model `ref` under these settings, or undefined for a local
 * model. A base URL from a resumed conversation applies only to that conversation's model.
 */
export function remoteSpec(
  settings: Settings,
  ref: string | undefined,
  env: NodeJS.ProcessEnv,
): RemoteEngineSpec | undefined {
  const base = settings.setting("base-url");
  const model = settings.setting("model");
  const fromResume = base.source === "conversation" && model.source !== "conversation";
  // A named endpoint's model goes there, whatever base URL is set; any other model id (ollama's
  // `llama3.2:1b` included) goes to the base URL when one is set.
  let spec = ref !== undefined ? endpointSpec(ref, false) : undefined;
  if (!spec && typeof base.value === "string" && !fromResume) {
    const keyEnv = settings.string("api-key-env");
    spec = {
      kind: "remote",
      baseUrl: checkBaseUrl(base.value, "--base-url"),
      // Empty: the server's only model.
      model: ref?.trim() ?? "",
      ...(keyEnv !== undefined ? { apiKeyEnv: keyEnv } : {}),
    };
  } else if (!spec && ref !== undefined) {
    spec = endpointSpec(ref, true);
  }
  if (!spec) return undefined;
  const contextSize = settings.get("context-size");
  const idle = settings.number("idle-timeout");
  return withKey(
    {
      ...spec,
      ...(typeof contextSize === "number" ? { contextSize } : {}),
      ...(idle !== undefined ? { idleTimeoutMs: idle * 1000 } : {}),
    },
    env,
  );
}

/** What a conversation records of a remote model: never a key, nor the variable's value. */
export function remoteIdentity(spec: RemoteEngineSpec, modelId: string): ModelIdentity {
  return spec.endpoint !== undefined
    ? { name: modelId, path: `${spec.endpoint}:${modelId}`, endpoint: spec.endpoint }
    : { name: modelId, path: modelId, baseUrl: spec.baseUrl };
}

/** The longest wait for one endpoint's model list when listing models. */
export const LIST_TIMEOUT_MS = 4000;

/** One named endpoint's models, or why they could not be listed. */
export interface EndpointModels {
  endpoint: string;
  url: string;
  /** The models it lists; undefined when it did not answer (see `error`) or has no /models. */
  models?: RemoteModel[];
  /** Why its models are not listed, in one line. */
  error?: string;
}

/** Whether the variable that holds an endpoint's key is set now: never its value. */
export function keyState(apiKeyEnv: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (apiKeyEnv === undefined) return "none";
  return `${apiKeyEnv} (${(env[apiKeyEnv] ?? "") !== "" ? "set" : "not set"})`;
}

async function modelsOf(e: Endpoint, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<EndpointModels> {
  const key = e.apiKeyEnv !== undefined ? env[e.apiKeyEnv] : undefined;
  const target = remoteTarget({
    kind: "remote",
    baseUrl: e.url,
    model: "",
    endpoint: e.name,
    ...(e.apiKeyEnv !== undefined ? { apiKeyEnv: e.apiKeyEnv } : {}),
    ...(key !== undefined && key !== "" ? { apiKey: key } : {}),
    idleTimeoutMs: timeoutMs,
  });
  try {
    const models = await listRemoteModels(target, undefined, { attempts: 1, maxPauseMs: 0 });
    if (models === undefined)
      return { endpoint: e.name, url: e.url, error: `endpoint ${e.name} (${e.url}) has no /models` };
    return { endpoint: e.name, url: e.url, models };
  } catch (err) {
    const why = err instanceof ParleyError ? err.message : `endpoint ${e.name} (${e.url}) did not answer`;
    return { endpoint: e.name, url: e.url, error: why };
  }
}

/** Every named endpoint's models, asked all at once, each within `timeoutMs`. */
export function listEndpointModels(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = LIST_TIMEOUT_MS,
): Promise<EndpointModels[]> {
  return Promise.all([...readEndpoints().values()].map((e) => modelsOf(e, env, timeoutMs)));
}
