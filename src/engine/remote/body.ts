/**
 * The Chat Completion request a remote server gets, and what a stream chunk says. Only the
 * fields every OpenAI-compatible server takes are sent; settings with no such field are named.
 */
import { DEFAULT_PARAMS, type SamplingParams } from "../../chat/params.js";
import type { Message, ResponseFormat, ToolSet } from "../../chat/types.js";

/** A message as the Chat Completion request writes it, with its tool calls or the call it answers. */
function wireMessage(m: Message): Record<string, unknown> {
  const calls = m.role === "assistant" && m.tool_calls?.length ? m.tool_calls : undefined;
  const out: Record<string, unknown> = { role: m.role, content: calls && m.content === "" ? null : m.content };
  if (calls) out.tool_calls = calls;
  if (m.role === "tool") out.tool_call_id = m.tool_call_id;
  return out;
}

export function requestBody(
  model: string,
  messages: readonly Message[],
  params: SamplingParams,
  format: ResponseFormat | undefined,
  tools?: ToolSet,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    // A trailing assistant message goes as it is: a server that can continues it.
    messages: messages.map(wireMessage),
    stream: true,
    stream_options: { include_usage: true },
    temperature: params.temperature,
    top_p: params.topP,
  };
  if (params.presencePenalty !== 0) body.presence_penalty = params.presencePenalty;
  if (params.frequencyPenalty !== 0) body.frequency_penalty = params.frequencyPenalty;
  if (params.maxTokens !== undefined) body.max_tokens = params.maxTokens;
  if (params.seed !== undefined) body.seed = params.seed;
  if (params.stop.length > 0) body.stop = params.stop;
  if (format?.type === "json_object") body.response_format = { type: "json_object" };
  if (format?.type === "json_schema") {
    body.response_format = { type: "json_schema", json_schema: { name: "reply", schema: format.schema } };
  }
  if (tools) {
    body.tools = tools.tools;
    if (tools.choice !== undefined) body.tool_choice = tools.choice;
    if (tools.parallel !== undefined) body.parallel_tool_calls = tools.parallel;
  }
  return body;
}

/** The settings that have no Chat Completion field and differ from their defaults. */
export function unsentSettings(params: SamplingParams): string[] {
  const out: string[] = [];
  if (params.topK !== DEFAULT_PARAMS.topK) out.push("top-k");
  if (params.minP !== DEFAULT_PARAMS.minP) out.push("min-p");
  if (params.repeatPenalty !== DEFAULT_PARAMS.repeatPenalty) out.push("repeat-penalty");
  return out;
}

/** A piece of a tool call in a chunk (a whole answer gives each call in one piece). */
export interface CallPiece {
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
}

export interface ChunkParts {
  text?: string;
  reasoning?: string;
  calls?: CallPiece[];
  finish?: string;
  usage?: { prompt: number; completion: number; cached?: number };
  /** The server's error inside the stream. */
  error?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** The tool call pieces of a delta or a message; pieces of no known shape are left out. */
function readCalls(value: unknown): CallPiece[] {
  if (!Array.isArray(value)) return [];
  const out: CallPiece[] = [];
  value.forEach((item: unknown, position) => {
    if (typeof item !== "object" || item === null) return;
    const c = item as Record<string, unknown>;
    const fn = (typeof c.function === "object" && c.function !== null ? c.function : {}) as Record<string, unknown>;
    const piece: CallPiece = { index: count(c.index) ?? position };
    const id = str(c.id);
    const name = str(fn.name);
    if (id !== undefined) piece.id = id;
    if (name !== undefined) piece.name = name;
    if (typeof fn.arguments === "string") piece.arguments = fn.arguments;
    out.push(piece);
  });
  return out;
}

/** What one parsed chunk holds (a chunk of any other shape holds nothing). */
export function readChunk(chunk: unknown): ChunkParts {
  if (typeof chunk !== "object" || chunk === null) return {};
  const c = chunk as Record<string, unknown>;
  const out: ChunkParts = {};
  if (c.error !== undefined && c.error !== null) {
    const e = c.error as { message?: unknown } | string;
    out.error = typeof e === "string" ? e : (str(e.message) ?? JSON.stringify(e));
    return out;
  }
  const choice = Array.isArray(c.choices) ? (c.choices[0] as Record<string, unknown> | undefined) : undefined;
  const delta = (choice?.delta ?? choice?.message) as Record<string, unknown> | undefined;
  if (delta) {
    const text = str(delta.content);
    const reasoning = str(delta.reasoning_content) ?? str(delta.reasoning);
    if (text !== undefined) out.text = text;
    if (reasoning !== undefined) out.reasoning = reasoning;
    const calls = readCalls(delta.tool_calls);
    if (calls.length > 0) out.calls = calls;
  }
  const finish = str(choice?.finish_reason);
  if (finish !== undefined) out.finish = finish;
  const usage = c.usage as Record<string, unknown> | null | undefined;
  if (usage && typeof usage === "object") {
    const prompt = count(usage.prompt_tokens);
    const completion = count(usage.completion_tokens);
    const details = usage.prompt_tokens_details as Record<string, unknown> | undefined;
    const cached = count(details?.cached_tokens);
    if (prompt !== undefined && completion !== undefined) {
      out.usage = { prompt, completion, ...(cached !== undefined ? { cached } : {}) };
    }
  }
  return out;
}

/** About four characters a token, with a few for each message's framing. */
export function estimateTokens(messages: readonly Message[]): number {
  return messages.reduce((sum, m) => sum + Math.ceil(m.content.length / 4) + 4, 0);
}
