/**
 * Turning Commander's parsed flags into the flag layer of the settings (by config key, checked
 * with the key table's own rules) and the options that only the front end reads.
 */
import { parseStopFlags } from "../chat/stop-texts.js";
import { isTemplateName, TEMPLATES } from "../chat/templates.js";
import type { ResumeChoice } from "../core/open.js";
import { UsageError } from "../errors.js";
import { CONFIG_KEYS } from "../settings/keys.js";
import type { Values } from "../settings/resolve.js";

export interface ChatFlags {
  model?: string;
  system?: string;
  systemFile?: string;
  preset?: string;
  continue?: boolean;
  resume?: string;
  history?: boolean;
  messages?: string;
  schema?: string;
  json?: boolean;
  jsonl?: boolean;
  stats?: boolean;
  showReasoning?: boolean;
  raw?: boolean;
  debug?: boolean;
  interactive?: boolean;
  yes?: boolean;
  stop?: string[];
  [flag: string]: unknown;
}

export type OutputMode = "text" | "json" | "jsonl";

export interface RunOptions {
  /** The settings given as flags, by config key. */
  flags: Values;
  output: OutputMode;
  stats: boolean;
  showReasoning: boolean;
  raw: boolean;
  debug: boolean;
  systemFile: string | undefined;
  messagesSource: string | undefined;
  schemaSource: string | undefined;
  resume: ResumeChoice | undefined;
  /** false with --no-history. */
  history: boolean;
  /** --yes: read_file calls run without asking (shell calls are always asked). */
  yes: boolean;
}

function camel(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The settings given as flags: each checked by its key's rule, named by its flag in errors. */
export function flagValues(flags: ChatFlags): Values {
  const out: Values = {};
  for (const spec of CONFIG_KEYS) {
    // `--no-history` is read apart (RunOptions.history): Commander gives it `true` when not given.
    if (spec.key === "history") continue;
    const raw = flags[camel(spec.key)];
    if (raw === undefined) continue;
    if (spec.key === "stop") {
      out.stop = parseStopFlags(raw as string[], "--stop");
    } else if (spec.key === "template" && typeof raw === "string" && !isTemplateName(raw)) {
      throw new UsageError(
        `unknown chat template "${raw}" in --template (expected one of: ${Object.keys(TEMPLATES).join(", ")})`,
      );
    } else if (typeof raw === "boolean") {
      out[spec.key] = raw;
    } else if (typeof raw === "string") {
      out[spec.key] = spec.parse(raw, `--${spec.key}`);
    }
  }
  return out;
}

export function readRunOptions(flags: ChatFlags): RunOptions {
  if (flags.system !== undefined && flags.systemFile !== undefined) {
    throw new UsageError("give either --system or --system-file, not both");
  }
  return {
    flags: flagValues(flags),
    output: flags.json ? "json" : flags.jsonl ? "jsonl" : "text",
    stats: flags.stats === true,
    showReasoning: flags.showReasoning === true,
    raw: flags.raw === true,
    debug: flags.debug === true,
    systemFile: flags.systemFile,
    messagesSource: flags.messages,
    schemaSource: flags.schema,
    resume: flags.continue ? { latest: true } : flags.resume !== undefined ? { id: flags.resume } : undefined,
    history: flags.history !== false,
    yes: flags.yes === true,
  };
}
