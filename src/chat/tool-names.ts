/**
 * The names of the tools parley runs itself (built in), and how a list of them is read from a
 * flag, the environment, the config file or a preset. Pure: the tools themselves live in tools/.
 */
import { UsageError } from "../errors.js";
import { didYouMean } from "./setting-names.js";

export const BUILTIN_TOOL_NAMES = ["read_file", "shell"] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];

export const TOOL_NAMES_ALLOWED = `a comma-separated list of ${BUILTIN_TOOL_NAMES.join(", ")}, or none`;

export function isBuiltinToolName(name: string): name is BuiltinToolName {
  return (BUILTIN_TOOL_NAMES as readonly string[]).includes(name);
}

function unknownTool(name: string, where: string): UsageError {
  return new UsageError(
    `unknown tool ${JSON.stringify(name)} in ${where}${didYouMean(name, BUILTIN_TOOL_NAMES)} (known tools: ${BUILTIN_TOOL_NAMES.join(", ")})`,
  );
}

/** Checks a list of tool names; each name once, in the order given. */
export function checkToolNames(value: unknown, where: string): BuiltinToolName[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string"))
    throw new UsageError(`invalid value for ${where}: ${JSON.stringify(value)} (expected ${TOOL_NAMES_ALLOWED})`);
  const out: BuiltinToolName[] = [];
  for (const name of value) {
    if (!isBuiltinToolName(name)) throw unknownTool(name, where);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** `read_file,shell` (spaces allowed around the commas) or `none` (no tools). */
export function parseToolNames(raw: string, where: string): BuiltinToolName[] {
  const text = raw.trim();
  if (text === "" || text.toLowerCase() === "none") return [];
  const names = text.split(",").map((n) => n.trim());
  if (names.some((n) => n === ""))
    throw new UsageError(`invalid value for ${where}: ${JSON.stringify(raw)} (expected ${TOOL_NAMES_ALLOWED})`);
  return checkToolNames(names, where);
}
