/**
 * `POST /v1/completions`: a raw text continued as it is, with no chat template, as one
 * `text_completion` or as a stream of them.
 */
import type { ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { PARAM_SPECS, parseParamValue, type ParamLayer } from "../chat/params.js";
import type { FinishReason, Usage } from "../chat/types.js";
import type { GenerateResult } from "../core/index.js";
import { UsageError } from "../errors.js";
import { paramValues } from "../settings/resolve.js";
import { HttpError, toHttpError } from "./errors.js";
import { EventStream, sendJson } from "./http-io.js";
import { streamOptions, type RouteContext, type RouteResult } from "./route-context.js";

const KNOWN = new Set([
  "model",
  "prompt",
  "stream",
  "stream_options",
  "stop",
  "n",
  "user",
  "echo",
  "suffix",
  "logprobs",
  "best_of",
  ...PARAM_SPECS.flatMap((s) => (s.bodyField ? [s.bodyField] : [])),
]);

function parsePrompt(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string") return value[0];
  if (Array.isArray(value))
    throw new UsageError(`request field "prompt" must be one text: parley answers one prompt a request`);
  throw new UsageError(`request field "prompt" must be a string`);
}

function parseStop(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value) && value.every((s) => typeof s === "string" && s !== "")) return value as string[];
  throw new UsageError(`request field "stop" must be a string or an array of non-empty strings`);
}

function parseBody(body: Record<string, unknown>): { prompt: string; params: ParamLayer; model?: string } {
  for (const field of Object.keys(body)) {
    if (!KNOWN.has(field)) throw new UsageError(`request field "${field}" is not supported by parley`);
  }
  if (body.n !== undefined && body.n !== null && body.n !== 1)
    throw new UsageError(`request field "n" must be 1: parley writes one choice`);
  if (body.best_of !== undefined && body.best_of !== null && body.best_of !== 1)
    throw new UsageError(`request field "best_of" must be 1`);
  if (body.echo === true) throw new UsageError(`request field "echo" is not supported by parley`);
  if (body.suffix !== undefined && body.suffix !== null)
    throw new UsageError(`request field "suffix" is not supported by parley`);
  if (body.logprobs !== undefined && body.logprobs !== null)
    throw new UsageError(`request field "logprobs" is not supported by parley`);
  if (body.model !== undefined && body.model !== null && typeof body.model !== "string")
    throw new UsageError(`request field "model" must be a string`);
  const params: ParamLayer = {};
  for (const spec of PARAM_SPECS) {
    const v = spec.bodyField ? body[spec.bodyField] : undefined;
    if (v !== undefined && v !== null) params[spec.key] = parseParamValue(spec, v, `request field "${spec.bodyField}"`);
  }
  const stop = parseStop(body.stop);
  if (stop) params.stop = stop;
  return { prompt: parsePrompt(body.prompt), params, ...(typeof body.model === "string" ? { model: body.model } : {}) };
}

function usageOf(result: GenerateResult): Usage {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
    prompt_tokens_details: { cached_tokens: result.cachedTokens ?? 0 },
  };
}

export async function completions(
  ctx: RouteContext,
  body: Record<string, unknown>,
  res: ServerResponse,
): Promise<RouteResult> {
  const { stream, includeUsage } = streamOptions(body);
  const parsed = parseBody(body);
  const entry = ctx.catalog.find(parsed.model);
  const params = ctx.settingsFor(paramValues(parsed.params)).params();
  const lease = await ctx.pool.acquire(entry.path, undefined, ctx.signal);
  const head = {
    id: `cmpl-${randomBytes(12).toString("hex")}`,
    object: "text_completion" as const,
    created: Math.floor(Date.now() / 1000),
    model: entry.id,
  };
  const events = new EventStream(res);
  const choice = (text: string, finish: FinishReason | null) => ({
    text,
    index: 0,
    logprobs: null,
    finish_reason: finish,
  });
  let text = "";
  let result: GenerateResult | undefined;
  try {
    const engine = lease.engine;
    if (!engine.complete) throw new HttpError(400, "this model cannot continue a raw text", "invalid_request_error");
    for await (const part of engine.complete({ prompt: parsed.prompt, params, signal: ctx.signal })) {
      if (part.type === "text") {
        text += part.text;
        if (stream) events.send({ ...head, choices: [choice(part.text, null)] });
      } else if (part.type === "finish") result = part.result;
    }
  } catch (err) {
    if (!stream || !events.started) throw err;
    events.fail(toHttpError(err));
    return { status: 200 };
  } finally {
    lease.release();
  }
  if (!result) throw new HttpError(500, "the completion ended without a result", "server_error");
  const finish: FinishReason = result.stopReason === "length" ? "length" : "stop";
  const usage = usageOf(result);
  if (stream) {
    events.send({ ...head, choices: [choice("", finish)] });
    if (includeUsage) events.send({ ...head, choices: [], usage });
    events.end();
  } else sendJson(res, 200, { ...head, choices: [choice(text, finish)], usage });
  return { status: 200, model: entry.id, usage };
}
