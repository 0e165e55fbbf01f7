/** What a tool is to parley: its Chat Completion definition, how a call is shown, how it runs. */
import type { BuiltinToolName } from "../chat/tool-names.js";
import type { ToolDefinition } from "../chat/types.js";

export type { ToolDefinition };

/** A call the model asked for: its id, the tool's name and the arguments as the JSON text it wrote. */
export interface ToolCallRequest {
  id: string;
  name: string;
  arguments: string;
}

/** Where and how a call runs. */
export interface ToolContext {
  /** The working folder: read_file reads under it, shell runs in it. */
  cwd: string;
  /** Aborts a running call (Esc in the chat screen). */
  signal?: AbortSignal | undefined;
}

/** What a call gave: the text sent back to the model as the `tool` message. */
export interface ToolOutcome {
  ok: boolean;
  content: string;
}

/**
 * Whether `--yes` may approve a tool's calls without asking: `ask` tools may be approved ahead,
 * `always-ask` ones (shell) never are.
 */
export type Approval = "ask" | "always-ask";

export interface BuiltinTool {
  name: BuiltinToolName;
  definition: ToolDefinition;
  approval: Approval;
  /** The call as shown to the person before the yes: every argument in full. */
  describe(args: Record<string, unknown>): string;
  run(args: Record<string, unknown>, context: ToolContext): Promise<ToolOutcome>;
}
