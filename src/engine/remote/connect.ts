/**
 * Opening a remote model: asks the server what it has (`/models`), checks the model is there,
 * and finds the context size: the server's own figure (parley serve's `context_size`, vLLM's
 * `max_model_len`, llama-server's `/props`), else the configured one, else the model's training
 * context the server reports, else DEFAULT_REMOTE_CONTEXT.
 */
import { ModelError, RemoteError } from "../../errors.js";
import type { RemoteEngineSpec } from "../spec.js";
import { RemoteEngine } from "./engine.js";
import { readText, send, statusFault, type RemoteTarget, type RetryBound } from "./http.js";

export const DEFAULT_REMOTE_CONTEXT = 8192;
export const DEFAULT_IDLE_MS = 60_000;
const MAX_LIST_BYTES = 4 * 1024 * 1024;

export interface RemoteModel {
  id: string;
  /** The context the server runs the model with. */
  contextSize?: number;
  /** The model's training context. */
  trainContextSize?: number;
}

function whole(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** The models a server lists, or undefined when it has no `/models`. */
export async function listRemoteModels(
  target: RemoteTarget,
  signal?: AbortSignal,
  retry: RetryBound = { attempts: 2, maxPauseMs: 5000 },
): Promise<RemoteModel[] | undefined> {
  const res = await send(target, "/models", { method: "GET", signal, retry });
  if (res.status === 404) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!res.ok) throw await statusFault(res, target, "/models");
  const text = await readText(res, target, MAX_LIST_BYTES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RemoteError(
      `${target.label}: its /models answer is not JSON; is the base URL right (it usually ends in /v1)?`,
    );
  }
  const data = (parsed as { data?: unknown }).data;
  if (!Array.isArray(data)) return [];
  const models = data.flatMap((entry): RemoteModel[] => {
    if (typeof entry !== "object" || entry === null) return [];
    const e = entry as Record<string, unknown>;
    if (typeof e.id !== "string") return [];
    const meta = e.meta as Record<string, unknown> | undefined;
    const contextSize = whole(e.context_size) ?? whole(e.max_model_len);
    const train = whole(meta?.n_ctx_train);
    return [{ id: e.id, ...(contextSize ? { contextSize } : {}), ...(train ? { trainContextSize: train } : {}) }];
  });
  // llama-server lists no context beside its models: it says it in /props.
  if (models.some((m) => m.contextSize === undefined)) {
    const served = await propsContext(target);
    if (served !== undefined) for (const m of models) m.contextSize ??= served;
  }
  return models;
}

/** llama-server's `/props` (beside `/v1`): the context each of its slots holds. */
async function propsContext(target: RemoteTarget): Promise<number | undefined> {
  if (!/\/v1$/.test(target.baseUrl)) return undefined;
  const props: RemoteTarget = {
    ...target,
    baseUrl: target.baseUrl.slice(0, -3),
    idleMs: Math.min(target.idleMs, 5000),
  };
  try {
    const res = await send(props, "/props", { method: "GET", retry: { attempts: 1, maxPauseMs: 0 } });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const body = JSON.parse(await readText(res, props, 1024 * 1024)) as Record<string, unknown>;
    const settings = body.default_generation_settings as Record<string, unknown> | undefined;
    return whole(settings?.n_ctx);
  } catch {
    return undefined;
  }
}

export function remoteTarget(spec: RemoteEngineSpec): RemoteTarget {
  return {
    baseUrl: spec.baseUrl.replace(/\/+$/, ""),
    label: spec.endpoint ? `endpoint ${spec.endpoint} (${spec.baseUrl})` : spec.baseUrl,
    ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
    ...(spec.apiKeyEnv ? { apiKeyEnv: spec.apiKeyEnv } : {}),
    idleMs: spec.idleTimeoutMs ?? DEFAULT_IDLE_MS,
  };
}

export async function openRemoteEngine(spec: RemoteEngineSpec): Promise<RemoteEngine> {
  const target = remoteTarget(spec);
  const models = await listRemoteModels(target);
  const names = (models ?? []).map((m) => m.id);
  const shown = names.slice(0, 12).join(", ") + (names.length > 12 ? `, and ${names.length - 12} more` : "");
  // No model named: the server's only one.
  const only = models?.length === 1 ? models[0]?.id : undefined;
  const id = spec.model !== "" ? spec.model : only;
  if (id === undefined) {
    throw new ModelError(
      `name the model to use on ${target.label} with -m` + (names.length > 0 ? `; it has: ${shown}` : ""),
    );
  }
  const entry = models?.find((m) => m.id === id);
  if (models && models.length > 0 && !entry) {
    throw new ModelError(`${target.label} has no model "${id}"; it has: ${shown}`);
  }
  // The list has already asked /props for a model it names without a context.
  const served = entry ? entry.contextSize : await propsContext(target);
  const contextSize = served ?? spec.contextSize ?? entry?.trainContextSize ?? DEFAULT_REMOTE_CONTEXT;
  const notes: string[] = [];
  if (served !== undefined && spec.contextSize !== undefined && spec.contextSize !== served) {
    notes.push(
      `${target.label} runs ${id} with a context of ${served} tokens: the context size of ${spec.contextSize} does not apply`,
    );
  }
  const host = new URL(target.baseUrl).host;
  return new RemoteEngine(
    {
      name: id,
      template: "the server's",
      backend: `remote (${spec.endpoint ?? host})`,
      contextSize,
      ...(entry?.trainContextSize ? { trainContextSize: entry.trainContextSize } : {}),
      remote: { url: target.baseUrl, ...(spec.apiKeyEnv !== undefined ? { apiKeyEnv: spec.apiKeyEnv } : {}) },
      ...(notes.length > 0 ? { loadNotes: notes } : {}),
    },
    target,
    id,
  );
}
