/**
 * The tools offered in a chat, by name, and one entry point for a call the model asked for: its
 * arguments read (bounded, JSON), the tool run, every failure a result the model is told about.
 */
import type { BuiltinToolName } from "../chat/tool-names.js";
import { fsReason } from "../errors.js";
import { READ_FILE } from "./read-file.js";
import { SHELL } from "./shell.js";
import type { BuiltinTool, ToolCallRequest, ToolContext, ToolDefinition, ToolOutcome } from "./types.js";

const BUILTIN: Readonly<Record<BuiltinToolName, BuiltinTool>> = { read_file: READ_FILE, shell: SHELL };

/** The most characters of arguments read from a call: more is refused, not parsed. */
export const ARGUMENTS_LIMIT = 64 * 1024;

/** The result sent back when the person says no. */
export const DECLINED = "the user declined to run this tool call";

export type ParsedArguments = { ok: true; args: Record<string, unknown> } | { ok: false; reason: string };

export function parseArguments(text: string): ParsedArguments {
  if (text.length > ARGUMENTS_LIMIT)
    return { ok: false, reason: `the arguments are longer than ${ARGUMENTS_LIMIT} characters` };
  if (text.trim() === "") return { ok: true, args: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "the arguments are not valid JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, reason: "the arguments must be a JSON object" };
  return { ok: true, args: value as Record<string, unknown> };
}

/** The tools of a chat: those named by the `tools` setting. */
export class ToolBox {
  readonly tools: readonly BuiltinTool[];

  constructor(names: readonly BuiltinToolName[]) {
    this.tools = names.map((n) => BUILTIN[n]);
  }

  get empty(): boolean {
    return this.tools.length === 0;
  }

  /** The tools as offered to the model. */
  definitions(): ToolDefinition[] {
    return this.tools.map((t) => t.definition);
  }

  find(name: string): BuiltinTool | undefined {
    return this.tools.find((t) => t.name === name);
  }

  /**
   * The call as shown before the yes: the tool's own wording with every argument in full, or the
   * name and raw arguments of a call that cannot run.
   */
  describe(call: ToolCallRequest): string {
    const tool = this.find(call.name);
    const parsed = parseArguments(call.arguments);
    if (tool && parsed.ok) return tool.describe(parsed.args);
    return `${call.name} ${call.arguments}`;
  }

  /** Whether the call needs asking: it can run, and `--yes` does not cover it. */
  needsAsking(call: ToolCallRequest, yes: boolean): boolean {
    const tool = this.find(call.name);
    if (!tool || !parseArguments(call.arguments).ok) return false;
    return !(yes && tool.approval === "ask");
  }

  /** Why a call cannot run (an unknown tool, bad arguments), before anyone is asked. */
  refusal(call: ToolCallRequest): ToolOutcome | undefined {
    if (!this.find(call.name)) {
      const known = this.tools.map((t) => t.name).join(", ") || "none";
      return { ok: false, content: `error: there is no tool named ${JSON.stringify(call.name)} (tools: ${known})` };
    }
    const parsed = parseArguments(call.arguments);
    if (!parsed.ok) return { ok: false, content: `error: ${parsed.reason}` };
    return undefined;
  }

  /** Runs an approved call; every failure is a result, never a throw. */
  async run(call: ToolCallRequest, context: ToolContext): Promise<ToolOutcome> {
    const refusal = this.refusal(call);
    if (refusal) return refusal;
    const tool = this.find(call.name) as BuiltinTool;
    const parsed = parseArguments(call.arguments) as { ok: true; args: Record<string, unknown> };
    try {
      return await tool.run(parsed.args, context);
    } catch (err) {
      return { ok: false, content: `error: the tool failed: ${fsReason(err)}` };
    }
  }
}
