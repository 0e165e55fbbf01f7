/** Reading Chat Completion messages and request bodies (`--messages`). */
import { UsageError } from "../errors.js";
import { PARAM_SPECS, parseParamValue, type ParamLayer } from "./params.js";
import { ROLES, type Message, type ResponseFormat, type Role } from "./types.js";

export interface ParsedRequest {
  messages: Message[];
  /** Sampling parameters given by the body; flags override them. */
  params: ParamLayer;
  responseFormat?: ResponseFormat;
  model?: string;
}

/** Body fields that carry no meaning for a local one-shot completion, accepted and ignored. */
const IGNORED_FIELDS = new Set([
  "user",
  "metadata",
  "store",
  "service_tier",
  "stream",
  "stream_options",
  "parallel_tool_calls",
]);
const HANDLED_FIELDS = new Set([
  "messages",
  "model",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "response_format",
  "n",
  "logprobs",
  ...PARAM_SPECS.flatMap((s) => (s.bodyField ? [s.bodyField] : [])),
]);

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

function isViableJsonPrefix(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch (err) {
    // A prefix is viable when the parser only complains about where the text stops.
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    return /Unexpected end of JSON input/.test(message) || (at !== null && Number(at[1]) >= text.length);
  }
}

/** Where a JSON text stops making sense: the end of its longest prefix that could still parse. */
function jsonErrorPosition(text: string): number {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (isViableJsonPrefix(text.slice(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** JSON.parse with an error that says where the text went wrong. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (text.trim() === "") throw new UsageError(`${source} is empty: expected JSON`);
    const message = (err as Error).message;
    const token = /^Unexpected token '(.*?)'/.exec(message);
    let reason = token ? `unexpected ${JSON.stringify(token[1])}` : message.replace(/ in JSON at position \d+.*$/, "");
    if (/Unexpected end/.test(message)) reason = "unexpected end of input";
    reason = reason.charAt(0).toLowerCase() + reason.slice(1);
    const at = /at position (\d+)/.exec(message);
    const position = at ? Number(at[1]) : jsonErrorPosition(text);
    if (position >= text.trimEnd().length) reason = "unexpected end of input";
    throw new UsageError(`${source} is not valid JSON at ${lineAndColumn(text, position)}: ${reason}`);
  }
}

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
  for (const field of ["tool_calls", "function_call", "audio"]) {
    if (value[field] !== undefined && value[field] !== null) {
      throw new UsageError(`${where}.${field} is not supported: parley has no tool or audio support`);
    }
  }
  const rawRole = value.role;
  let role: Role;
  if (rawRole === "developer") role = "system";
  else if (typeof rawRole === "string" && (ROLES as readonly string[]).includes(rawRole)) role = rawRole as Role;
  else {
    throw new UsageError(
      `${where}.role ${JSON.stringify(rawRole)} is not supported (expected system, developer, user or assistant)`,
    );
  }
  const message: Message = { role, content: parseContent(value.content, where) };
  const reasoning = value.reasoning_content;
  if (role === "assistant" && typeof reasoning === "string" && reasoning !== "") message.reasoning = reasoning;
  return message;
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
  return value.map((m, i) => parseMessage(m, i));
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
