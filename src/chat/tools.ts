/**
 * Tools in the Chat Completion format: reading `tools`, `tool_choice` and `parallel_tool_calls`,
 * checking a tool set (names, schemas, a chosen tool that exists) and the calls and results in a
 * list of messages (every `tool` message answers a call made before it).
 */
import { UsageError } from "../errors.js";
import { checkJsonSchema } from "./schema.js";
import type { Message, ToolCall, ToolChoice, ToolDefinition, ToolSet } from "./types.js";

/** What a function name may hold: what OpenAI accepts, and what every chat template can write. */
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseTool(value: unknown, where: string): ToolDefinition {
  if (!isRecord(value)) throw new UsageError(`${where} must be an object like {"type": "function", "function": {...}}`);
  if (value.type !== "function") {
    throw new UsageError(`${where}.type ${JSON.stringify(value.type)} is not supported (expected "function")`);
  }
  const fn = value.function;
  if (!isRecord(fn)) throw new UsageError(`${where}.function must be an object with a "name"`);
  const name = fn.name;
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new UsageError(
      `${where}.function.name must be a name of letters, digits, _ and - (at most 64, not starting with a digit or -)`,
    );
  }
  const tool: ToolDefinition = { type: "function", function: { name } };
  if (fn.description !== undefined && fn.description !== null) {
    if (typeof fn.description !== "string") throw new UsageError(`${where}.function.description must be a string`);
    tool.function.description = fn.description;
  }
  if (fn.parameters !== undefined && fn.parameters !== null) {
    const parameters = checkJsonSchema(fn.parameters, `${where}.function.parameters`);
    if (parameters.type !== undefined && parameters.type !== "object") {
      throw new UsageError(`${where}.function.parameters must describe an object ("type": "object")`);
    }
    tool.function.parameters = parameters;
  }
  for (const key of Object.keys(fn)) {
    if (!["name", "description", "parameters", "strict"].includes(key)) {
      throw new UsageError(`${where}.function.${key} is not supported by parley`);
    }
  }
  return tool;
}

/** Reads `tools`: a list of function tools with distinct names. */
export function parseTools(value: unknown, where = "tools"): ToolDefinition[] {
  if (!Array.isArray(value)) throw new UsageError(`request field "${where}" must be an array of tools`);
  if (value.length === 0)
    throw new UsageError(`request field "${where}" is empty: give at least one tool, or leave it out`);
  const tools = value.map((t, i) => parseTool(t, `${where}[${i}]`));
  const seen = new Set<string>();
  tools.forEach((t, i) => {
    if (seen.has(t.function.name)) {
      throw new UsageError(
        `${where}[${i}].function.name "${t.function.name}" is used by another tool: names must differ`,
      );
    }
    seen.add(t.function.name);
  });
  return tools;
}

/** Reads `tool_choice`. */
export function parseToolChoice(value: unknown, where = "tool_choice"): ToolChoice {
  if (value === "auto" || value === "none" || value === "required") return value;
  if (isRecord(value) && value.type === "function" && isRecord(value.function)) {
    const name = value.function.name;
    if (typeof name === "string") return { type: "function", function: { name } };
  }
  throw new UsageError(
    `request field "${where}" must be "auto", "none", "required" or {"type": "function", "function": {"name": ...}}`,
  );
}

/**
 * Checks a tool set as a whole: its tools (as `parseTools` does) and a chosen tool that is one of
 * them. Returns it.
 */
export function checkToolSet(set: ToolSet): ToolSet {
  parseTools(set.tools);
  const choice = set.choice;
  if (choice !== undefined) parseToolChoice(choice);
  if (typeof choice === "object" && !set.tools.some((t) => t.function.name === choice.function.name)) {
    throw new UsageError(
      `request field "tool_choice" names the function "${choice.function.name}", which is not in "tools"`,
    );
  }
  if ((choice === "required" || typeof choice === "object") && set.tools.length === 0) {
    throw new UsageError(`request field "tool_choice" asks for a tool call, but "tools" is empty`);
  }
  return set;
}

/** Reads a tool set from a request body's `tools`, `tool_choice` and `parallel_tool_calls`; none without tools. */
export function parseToolSet(body: Record<string, unknown>): ToolSet | undefined {
  const given = (v: unknown): boolean => v !== undefined && v !== null;
  if (given(body.parallel_tool_calls) && typeof body.parallel_tool_calls !== "boolean") {
    throw new UsageError(`request field "parallel_tool_calls" must be true or false`);
  }
  if (!given(body.tools)) {
    if (given(body.tool_choice) && body.tool_choice !== "none" && body.tool_choice !== "auto") {
      parseToolChoice(body.tool_choice);
      throw new UsageError(`request field "tool_choice" asks for a tool call, but there are no "tools"`);
    }
    return undefined;
  }
  const set: ToolSet = { tools: parseTools(body.tools) };
  if (given(body.tool_choice)) set.choice = parseToolChoice(body.tool_choice);
  if (typeof body.parallel_tool_calls === "boolean") set.parallel = body.parallel_tool_calls;
  return checkToolSet(set);
}

/** The calls of the last assistant message that calls tools and that no `tool` message after it answers. */
export function unansweredCalls(messages: readonly Message[]): ToolCall[] {
  let i = messages.length - 1;
  const answered = new Set<string>();
  while (i >= 0 && messages[i]?.role === "tool") {
    const id = messages[i]?.tool_call_id;
    if (id !== undefined) answered.add(id);
    i--;
  }
  const last = messages[i];
  if (last?.role !== "assistant" || !last.tool_calls) return [];
  return last.tool_calls.filter((c) => !answered.has(c.id));
}

/**
 * Checks the calls and results of a list of messages: call ids are distinct, and every `tool`
 * message follows the assistant message (or other results of it) whose call it answers, once.
 */
export function checkToolMessages(messages: readonly Message[]): void {
  let open = new Map<string, boolean>();
  const ids = new Set<string>();
  messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    if (m.role === "tool") {
      const id = m.tool_call_id ?? "";
      if (!open.has(id)) {
        throw new UsageError(
          `${where}.tool_call_id ${JSON.stringify(id)} answers no tool call of the assistant message before it`,
        );
      }
      if (open.get(id))
        throw new UsageError(`${where}.tool_call_id ${JSON.stringify(id)} answers a call already answered`);
      open.set(id, true);
      return;
    }
    open = new Map();
    (m.tool_calls ?? []).forEach((call, j) => {
      if (ids.has(call.id)) {
        throw new UsageError(
          `${where}.tool_calls[${j}].id ${JSON.stringify(call.id)} is used by another call: ids must differ`,
        );
      }
      ids.add(call.id);
      open.set(call.id, false);
    });
  });
}
