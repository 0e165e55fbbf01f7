/**
 * Remote models: a reference `NAME:model-id` where NAME is a named endpoint, or any model with
 * `base-url` set (`--base-url`, PARLEY_BASE_URL, a resumed conversation's). Turns them into a
 * remote engine spec (the key read from its variable now, never stored) and into what a
 * conversation records: the endpoint's name or base URL, and the model id.
 */
import { existsSync } from "node:fs";
import type { RemoteEngineSpec } from "../engine/spec.js";
import { UsageError } from "../errors.js";
import type { Settings } from "../settings/resolve.js";
import type { ModelIdentity } from "../store/conversation-records.js";
import { checkBaseUrl, ENDPOINT_NAME, readEndpoints } from "../store/endpoints.js";

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

/** The endpoint and model a `NAME:model-id` reference names, when NAME is a named endpoint. */
function endpointSpec(ref: string): RemoteEngineSpec | undefined {
  const match = ENDPOINT_REF.exec(ref.trim());
  const name = match?.[1];
  const model = match?.[2];
  if (name === undefined || model === undefined || /^hf$/i.test(name) || !ENDPOINT_NAME.test(name)) return undefined;
  const endpoint = readEndpoints().get(name);
  if (!endpoint) {
    // Not an endpoint: a local file of that name is still a model; anything else is a mistake.
    if (existsSync(ref)) return undefined;
    const known = [...readEndpoints().keys()];
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
  let spec: RemoteEngineSpec | undefined;
  if (typeof base.value === "string" && !fromResume) {
    const keyEnv = settings.string("api-key-env");
    spec = {
      kind: "remote",
      baseUrl: checkBaseUrl(base.value, "--base-url"),
      // Empty: the server's only model.
      model: ref?.trim() ?? "",
      ...(keyEnv !== undefined ? { apiKeyEnv: keyEnv } : {}),
    };
  } else if (ref !== undefined) {
    spec = endpointSpec(ref);
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
