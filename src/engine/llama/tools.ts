/**
 * Tools for node-llama-cpp's function calling: a tool set becomes the functions its chat wrapper
 * documents and calls, with each tool's JSON Schema turned into the subset node-llama-cpp's
 * grammar enforces. A keyword the grammar cannot enforce is refused, naming where it is: the
 * arguments of a call always parse and fit the schema.
 */
import type {
  ChatModelFunctions,
  ChatWrapper,
  ChatWrapperGenerateContextStateOptions,
  ChatWrapperGeneratedContextState,
  GbnfJsonSchema,
  LlamaText,
} from "node-llama-cpp";
import type { ToolSet } from "../../chat/types.js";
import { UsageError } from "../../errors.js";
import type { PushPart } from "../stream.js";

/** Keywords the grammar enforces, kept as they are. */
const KEPT = new Set([
  "type",
  "description",
  "properties",
  "required",
  "additionalProperties",
  "minProperties",
  "maxProperties",
  "items",
  "prefixItems",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "format",
  "enum",
  "const",
  "oneOf",
  "$ref",
  "$defs",
]);
/** Keywords that only describe: dropped. */
const DROPPED = new Set(["title", "$schema", "$id", "$comment", "default", "examples", "deprecated", "readOnly"]);
const FORMATS = new Set(["date-time", "time", "date"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function convert(node: unknown, pointer: string, where: string): unknown {
  if (node === true || (isRecord(node) && Object.keys(node).every((k) => DROPPED.has(k) || k === "description"))) {
    throw new UsageError(
      `${where}: the schema at ${pointer || "the top"} allows any value, which a local model's grammar cannot write; give it a "type"`,
    );
  }
  if (!isRecord(node)) throw new UsageError(`${where}: the schema at ${pointer || "the top"} cannot be used`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    const at = `${pointer}/${key}`;
    if (DROPPED.has(key)) continue;
    const name = key === "anyOf" ? "oneOf" : key === "definitions" ? "$defs" : key;
    if (!KEPT.has(name)) {
      throw new UsageError(
        `${where}: "${key}" at ${pointer || "the top"} cannot be enforced on a local model's output`,
      );
    }
    if (name === "format" && (typeof value !== "string" || !FORMATS.has(value))) {
      throw new UsageError(`${where}: "format" at ${at} must be date-time, time or date for a local model`);
    }
    if (name === "$ref") {
      if (typeof value !== "string" || !/^#\/(\$defs|definitions)\/[^/]+$/.test(value)) {
        throw new UsageError(`${where}: "$ref" at ${at} must point into "$defs" (#/$defs/name)`);
      }
      out.$ref = value.replace("#/definitions/", "#/$defs/");
    } else if (name === "properties" || name === "$defs") {
      const map: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) map[k] = convert(v, `${at}/${k}`, where);
      out[name] = map;
    } else if (name === "oneOf" || name === "prefixItems") {
      out[name] = (value as unknown[]).map((v, i) => convert(v, `${at}/${i}`, where));
    } else if (name === "items") {
      if (Array.isArray(value)) out.prefixItems = value.map((v, i) => convert(v, `${at}/${i}`, where));
      else out.items = convert(value, at, where);
    } else if (name === "additionalProperties" && typeof value !== "boolean") {
      out.additionalProperties = convert(value, at, where);
    } else out[name] = value;
  }
  return out;
}

/** The schema of a tool's arguments as node-llama-cpp takes it; none for a tool without parameters. */
export function toGbnfSchema(schema: Record<string, unknown>, where: string): GbnfJsonSchema | undefined {
  const properties = schema.properties;
  if (Object.keys(schema).every((k) => DROPPED.has(k) || k === "description" || k === "type")) return undefined;
  if (isRecord(properties) && Object.keys(properties).length === 0 && schema.additionalProperties !== true) {
    return undefined;
  }
  return convert({ type: "object", ...schema }, "", where) as GbnfJsonSchema;
}

export interface LlamaFunctions {
  functions?: ChatModelFunctions;
  maxParallelFunctionCalls?: number;
  /** A call must be made (`required` or a named tool). */
  mustCall: boolean;
}

/** The functions a reply may call, after `tool_choice` (a named tool: only that one; none: no functions). */
export function llamaFunctions(set: ToolSet | undefined): LlamaFunctions {
  if (!set || set.choice === "none") return { mustCall: false };
  const choice = set.choice;
  const functions: Record<string, { description?: string; params?: GbnfJsonSchema }> = {};
  set.tools.forEach((tool, i) => {
    const fn = tool.function;
    if (typeof choice === "object" && choice.function.name !== fn.name) return;
    const params = fn.parameters ? toGbnfSchema(fn.parameters, `tools[${i}].function.parameters`) : undefined;
    functions[fn.name] = {
      ...(fn.description !== undefined ? { description: fn.description } : {}),
      ...(params ? { params } : {}),
    };
  });
  return {
    functions,
    ...(set.parallel === false ? { maxParallelFunctionCalls: 1 } : {}),
    mustCall: choice === "required" || typeof choice === "object",
  };
}

/**
 * Turns node-llama-cpp's function call callbacks into tool-call parts: a call is named as soon
 * as its arguments start (or when it is done, for a call without arguments), and its arguments
 * are given whole once the grammar has closed them, as the JSON text of the parsed value.
 */
export class ToolCallParts {
  private named = 0;
  private done = 0;

  constructor(private readonly push: PushPart) {}

  started(index: number, name: string): void {
    if (index !== this.done || this.named > index) return;
    this.named = index + 1;
    this.push({ type: "tool-call", index, name });
  }

  finished(name: string, params: unknown): void {
    const index = this.done;
    this.started(index, name);
    this.done = index + 1;
    this.push({ type: "tool-call", index, arguments: JSON.stringify(params ?? {}) });
  }
}

/**
 * Makes a reply start with a tool call (`tool_choice` "required" or a named tool): while it is
 * on, the template object given to node-llama-cpp says that a reply which has not called yet
 * starts with the call prefix, so the first thing written is a call, its name and arguments held
 * to the grammar. Everything else is the template's own.
 */
export class CallForcing {
  /** Force a call in the reply being generated. */
  active = false;
  /** The parts the reply's model response had before generating (a call adds one). */
  baseParts = 0;

  constructor(private readonly toText: (value: string | LlamaText) => LlamaText) {}

  wrap(wrapper: ChatWrapper): ChatWrapper {
    const generate = (options: ChatWrapperGenerateContextStateOptions): ChatWrapperGeneratedContextState => {
      const state = wrapper.generateContextState(options);
      const last = options.chatHistory.at(-1);
      if (!this.active || last?.type !== "model" || last.response.length > this.baseParts) return state;
      const forced: Record<string, unknown> = { ...state };
      // A template that starts replies in a call mode of its own is started by the prefix instead.
      delete forced.functionCall;
      return {
        ...forced,
        prefixTriggers: [],
        noPrefixTrigger: { type: "functionCall", inject: this.toText(wrapper.settings.functions.call.prefix) },
      } as unknown as ChatWrapperGeneratedContextState;
    };
    return new Proxy(wrapper, {
      get(target, key) {
        if (key === "generateContextState") return generate;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
