/** Reading Chat Completion messages and request bodies (`--messages`). */
import { UsageError } from "../errors.js";
import { parseJsonText } from "./json-parse.js";
import { PARAM_SPECS, parseParamValue, type ParamLayer } from "./params.js";
import { checkToolMessages, parseToolSet } from "./tools.js";
import { ROLES, type Message, type ResponseFormat, type Role, type ToolCall, type ToolSet } from "./types.js";

export interface ParsedRequest {
  messages: Message[];
  /** Sampling parameters given by the body; flags override them. */
  params: ParamLayer;
  responseFormat?: ResponseFormat;
  /** The tools the reply may call (`tools`, `tool_choice`, `parallel_tool_calls`). */
  tools?: ToolSet;
  model?: string;
}

/** Body fields that carry no meaning for a local one-shot completion, accepted and ignored. */
const IGNORED_FIELDS = new Set(["user", "metadata", "store", "service_tier", "stream", "stream_options"]);
const HANDLED_FIELDS = new Set([
  "messages",
  "model",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "response_format",
  "n",
  "logprobs",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  ...PARAM_SPECS.flatMap((s) => (s.bodyField ? [s.bodyField] : [])),
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseContent(value: unknown, where: string): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) throw new UsageError(`${where}.content is missing`);
  if (!Array.isArray(value)) throw new UsageError(`${where}.content must be a string or an array of text parts`);
  return value
    .map((part: unknown, i) => {
      const at = `${where}.content[${i}]`;
      if (!isRecord(part)) throw new UsageError(`${at} must be an object like {"type": "text", "text": "..."}`);
      if (part.type !== "text") {
        throw new UsageError(
          `${at}.type ${JSON.stringify(part.type)} is not supported: parley handles text parts only`,
        );
      }
      if (typeof part.text !== "string") throw new UsageError(`${at}.text must be a string`);
      return part.text;
    })
    .join("");
}

function parseMessage(value: unknown, index: number): Message {
  const where = `messages[${index}]`;
  if (!isRecord(value)) throw new UsageError(`${where} must be an object with "role" and "content"`);
  if (value.audio !== undefined && value.audio !== null) {
    throw new UsageError(`${where}.audio is not supported: parley has no audio support`);
  }
  if (value.function_call !== undefined && value.function_call !== null) {
    throw new UsageError(`${where}.function_call is not supported: give the calls in "tool_calls"`);
  }
  const rawRole = value.role;
  let role: Role;
  if (rawRole === "developer") role = "system";
  else if (typeof rawRole === "string" && (ROLES as readonly string[]).includes(rawRole)) role = rawRole as Role;
  else {
    throw new UsageError(
      `${where}.role ${JSON.stringify(rawRole)} is not supported (expected system, developer, user, assistant or tool)`,
    );
  }
  const calls = value.tool_calls;
  const hasCalls = calls !== undefined && calls !== null;
  if (hasCalls && role !== "assistant")
    throw new UsageError(`${where}.tool_calls is allowed in assistant messages only`);
  // An assistant message that only calls tools has no content.
  const content = role === "assistant" && hasCalls && value.content == null ? "" : parseContent(value.content, where);
  const message: Message = { role, content };
  const reasoning = value.reasoning_content;
  if (role === "assistant" && typeof reasoning === "string" && reasoning !== "") message.reasoning = reasoning;
  if (hasCalls) {
    const list = parseToolCalls(calls, `${where}.tool_calls`);
    if (list.length > 0) message.tool_calls = list;
  }
  if (role === "tool") {
    if (typeof value.tool_call_id !== "string" || value.tool_call_id === "") {
      throw new UsageError(`${where}.tool_call_id must name the tool call this message answers`);
    }
    message.tool_call_id = value.tool_call_id;
  } else if (value.tool_call_id !== undefined && value.tool_call_id !== null) {
    throw new UsageError(`${where}.tool_call_id is allowed in tool messages only`);
  }
  return message;
}

function parseToolCalls(value: unknown, where: string): ToolCall[] {
  if (!Array.isArray(value)) throw new UsageError(`${where} must be an array of tool calls`);
  return value.map((call: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isRecord(call))
      throw new UsageError(`${at} must be an object like {"id": ..., "type": "function", "function": {...}}`);
    if (typeof call.id !== "string" || call.id === "") throw new UsageError(`${at}.id must be a non-empty string`);
    if (call.type !== undefined && call.type !== "function") {
      throw new UsageError(`${at}.type ${JSON.stringify(call.type)} is not supported (expected "function")`);
    }
    const fn = call.function;
    if (!isRecord(fn) || typeof fn.name !== "string" || fn.name === "") {
      throw new UsageError(`${at}.function must be an object with a "name" and "arguments"`);
    }
    if (typeof fn.arguments !== "string")
      throw new UsageError(`${at}.function.arguments must be a JSON text (a string)`);
    try {
      JSON.parse(fn.arguments);
    } catch {
      throw new UsageError(`${at}.function.arguments is not valid JSON`);
    }
    return { id: call.id, type: "function", function: { name: fn.name, arguments: fn.arguments } };
  });
}

function parseResponseFormat(value: unknown): ResponseFormat {
  if (!isRecord(value)) throw new UsageError(`request field "response_format" must be an object`);
  switch (value.type) {
    case "text":
      return { type: "text" };
    case "json_object":
      return { type: "json_object" };
    case "json_schema": {
      const inner = value.json_schema;
      const schema = isRecord(inner) ? inner.schema : undefined;
      if (!isRecord(schema))
        throw new UsageError(`request field "response_format.json_schema.schema" must be a JSON schema object`);
      return { type: "json_schema", schema };
    }
    default:
      throw new UsageError(
        `request field "response_format.type" ${JSON.stringify(value.type)} is not supported (expected text, json_object or json_schema)`,
      );
  }
}

function parseStop(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value) && value.every((s) => typeof s === "string" && s !== "")) return value as string[];
  throw new UsageError(`request field "stop" must be a string or an array of non-empty strings`);
}

export function parseMessageList(value: unknown[]): Message[] {
  if (value.length === 0) throw new UsageError("messages is empty: give at least one message");
  const messages = value.map((m, i) => parseMessage(m, i));
  checkToolMessages(messages);
  return messages;
}

/** Parses a Chat Completion request body (`--messages` and the server read the same). */
export function parseChatRequest(body: Record<string, unknown>): ParsedRequest {
  for (const field of Object.keys(body)) {
    if (!HANDLED_FIELDS.has(field) && !IGNORED_FIELDS.has(field)) {
      throw new UsageError(`request field "${field}" is not supported by parley`);
    }
  }
  if (body.n !== undefined && body.n !== null && body.n !== 1)
    throw new UsageError(`request field "n" must be 1: parley writes one choice`);
  if (body.logprobs === true) throw new UsageError(`request field "logprobs" is not supported by parley`);
  if (!Array.isArray(body.messages)) throw new UsageError(`request field "messages" must be an array of messages`);
  const params: ParamLayer = {};
  for (const spec of PARAM_SPECS) {
    if (!spec.bodyField) continue;
    const v = body[spec.bodyField];
    if (v !== undefined && v !== null) params[spec.key] = parseParamValue(spec, v, `request field "${spec.bodyField}"`);
  }
  const maxSpec = PARAM_SPECS.find((s) => s.key === "maxTokens");
  const maxCompletion = body.max_completion_tokens;
  if (maxSpec && maxCompletion !== undefined && maxCompletion !== null) {
    params.maxTokens = parseParamValue(maxSpec, maxCompletion, `request field "max_completion_tokens"`);
  }
  const stop = parseStop(body.stop);
  if (stop) params.stop = stop;
  const request: ParsedRequest = { messages: parseMessageList(body.messages as unknown[]), params };
  if (body.response_format !== undefined && body.response_format !== null)
    request.responseFormat = parseResponseFormat(body.response_format);
  const tools = parseToolSet(body);
  if (tools) request.tools = tools;
  if (typeof body.model === "string") request.model = body.model;
  else if (body.model !== undefined && body.model !== null)
    throw new UsageError(`request field "model" must be a string`);
  return request;
}

/** Parses `--messages` input: a JSON array of messages, or a whole request body. */
export function parseMessagesInput(text: string, source: string): ParsedRequest {
  const value = parseJsonText(text, source);
  if (Array.isArray(value)) return { messages: parseMessageList(value), params: {} };
  if (isRecord(value)) return parseChatRequest(value);
  throw new UsageError(`${source} must hold a JSON array of messages or a chat completion request object`);
}

export { parseJsonText };
