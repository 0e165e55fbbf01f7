/** The tools parley runs itself in the chat screen, each call after the person's yes. */
export { DECLINED, parseArguments, ToolBox, ARGUMENTS_LIMIT } from "./registry.js";
export { READ_FILE_LIMIT, resolveUnder } from "./read-file.js";
export { runShell, SHELL_OUTPUT_LIMIT, SHELL_TIMEOUT_MS } from "./shell.js";
export type { BuiltinTool, ToolCallRequest, ToolContext, ToolDefinition, ToolOutcome } from "./types.js";
