/** JSON schemas of OpenAI's chat.completion and chat.completion.chunk, for validating output. */
import { Ajv } from "ajv";

const usage = {
  type: "object",
  required: ["prompt_tokens", "completion_tokens", "total_tokens"],
  properties: {
    prompt_tokens: { type: "integer", minimum: 0 },
    completion_tokens: { type: "integer", minimum: 0 },
    total_tokens: { type: "integer", minimum: 0 },
  },
};

const timings = {
  type: "object",
  required: ["prompt_n", "prompt_ms", "predicted_n", "predicted_ms", "predicted_per_second"],
  properties: {
    prompt_n: { type: "integer", minimum: 0 },
    prompt_ms: { type: "number", minimum: 0 },
    predicted_n: { type: "integer", minimum: 0 },
    predicted_ms: { type: "number", minimum: 0 },
    predicted_per_second: { type: "number", minimum: 0 },
  },
};

const finishReason = { enum: ["stop", "length", "tool_calls"] };

const toolCall = {
  type: "object",
  required: ["id", "type", "function"],
  additionalProperties: false,
  properties: {
    id: { type: "string", minLength: 1 },
    type: { const: "function" },
    function: {
      type: "object",
      required: ["name", "arguments"],
      additionalProperties: false,
      properties: { name: { type: "string", minLength: 1 }, arguments: { type: "string" } },
    },
  },
};

/** A piece of a streamed tool call: the first names it, the next ones carry its arguments. */
const toolCallDelta = {
  type: "object",
  required: ["index", "function"],
  additionalProperties: false,
  properties: {
    index: { type: "integer", minimum: 0 },
    id: { type: "string", minLength: 1 },
    type: { const: "function" },
    function: {
      type: "object",
      additionalProperties: false,
      properties: { name: { type: "string", minLength: 1 }, arguments: { type: "string" } },
    },
  },
};

/** What a message or a delta may hold (content is null in a message that only calls tools). */
const messageFields = {
  role: { const: "assistant" },
  content: { type: ["string", "null"] },
  reasoning_content: { type: "string" },
  tool_calls: { type: "array", minItems: 1, items: toolCall },
};
const deltaFields = { ...messageFields, tool_calls: { type: "array", minItems: 1, items: toolCallDelta } };

/** The fields every completion object and chunk opens with. */
const head = (object: string) => ({
  id: { type: "string", pattern: "^chatcmpl-" },
  object: { const: object },
  created: { type: "integer" },
  model: { type: "string", minLength: 1 },
});

export const completionSchema = {
  type: "object",
  required: ["id", "object", "created", "model", "choices", "usage"],
  additionalProperties: false,
  properties: {
    ...head("chat.completion"),
    choices: {
      type: "array",
      minItems: 1,
      maxItems: 1,
      items: {
        type: "object",
        required: ["index", "message", "finish_reason"],
        additionalProperties: false,
        properties: {
          index: { const: 0 },
          message: {
            type: "object",
            required: ["role", "content"],
            additionalProperties: false,
            properties: messageFields,
          },
          logprobs: { type: "null" },
          finish_reason: finishReason,
        },
      },
    },
    usage,
    timings,
    interrupted: { const: true },
  },
};

export const chunkSchema = {
  type: "object",
  required: ["id", "object", "created", "model", "choices"],
  additionalProperties: false,
  properties: {
    ...head("chat.completion.chunk"),
    choices: {
      type: "array",
      maxItems: 1,
      items: {
        type: "object",
        required: ["index", "delta", "finish_reason"],
        additionalProperties: false,
        properties: {
          index: { const: 0 },
          delta: {
            type: "object",
            additionalProperties: false,
            properties: deltaFields,
          },
          logprobs: { type: "null" },
          finish_reason: { anyOf: [finishReason, { type: "null" }] },
        },
      },
    },
    usage: { anyOf: [usage, { type: "null" }] },
    timings,
    interrupted: { const: true },
  },
};

const ajv = new Ajv({ allErrors: true });
const validateCompletion = ajv.compile(completionSchema);
const validateChunk = ajv.compile(chunkSchema);

export function assertCompletion(value: unknown): void {
  if (!validateCompletion(value))
    throw new Error(`not a chat.completion: ${ajv.errorsText(validateCompletion.errors)}`);
}

export function assertChunk(value: unknown): void {
  if (!validateChunk(value)) throw new Error(`not a chat.completion.chunk: ${ajv.errorsText(validateChunk.errors)}`);
}

export function validatesAgainst(schema: object, value: unknown): boolean {
  return new Ajv().validate(schema, value);
}
