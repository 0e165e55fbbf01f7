/** Turning flags and environment into validated settings. No file or model is touched here. */
import { PARAM_SPECS, parseParamValue, type ParamLayer } from "../chat/params.js";
import type { EngineOptions, GpuChoice } from "../engine/engine.js";
import { isTemplateName, TEMPLATES } from "../engine/templates.js";
import { defaultThreads } from "../engine/threads.js";
import { UsageError } from "../errors.js";

export interface ChatFlags {
  model?: string;
  gpu: GpuChoice;
  gpuLayers: string;
  contextSize?: string;
  threads?: string;
  template: string;
  system?: string;
  systemFile?: string;
  messages?: string;
  schema?: string;
  json?: boolean;
  jsonl?: boolean;
  stats?: boolean;
  showReasoning?: boolean;
  raw?: boolean;
  debug?: boolean;
  stop?: string[];
  [param: string]: unknown;
}

export type OutputMode = "text" | "json" | "jsonl";

export interface RunSettings {
  modelRef: string | undefined;
  engine: Omit<EngineOptions, "modelPath">;
  params: ParamLayer;
  output: OutputMode;
  stats: boolean;
  showReasoning: boolean;
  raw: boolean;
  debug: boolean;
  system: string | undefined;
  systemFile: string | undefined;
  messagesSource: string | undefined;
  schemaSource: string | undefined;
}

function parseWholeNumber(raw: string, flag: string, min: number, max: number): number {
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `invalid value for ${flag}: ${JSON.stringify(raw)} (expected a whole number from ${min} to ${max})`,
    );
  }
  return value;
}

export function parseGpuLayers(raw: string): number | "auto" | "max" {
  if (raw === "auto" || raw === "max") return raw;
  return parseWholeNumber(raw, "--gpu-layers", 0, 100_000);
}

export function parseContextSize(raw: string | undefined): number | "auto" | undefined {
  if (raw === undefined) return undefined;
  if (raw === "auto") return "auto";
  return parseWholeNumber(raw, "--context-size", 16, 10_000_000);
}

export function parseThreads(raw: string | undefined): number {
  return raw === undefined ? defaultThreads() : parseWholeNumber(raw, "--threads", 1, 1024);
}

/** Sampling parameters given as flags. */
export function paramsFromFlags(flags: ChatFlags): ParamLayer {
  const layer: ParamLayer = {};
  for (const spec of PARAM_SPECS) {
    const raw = flags[spec.key];
    if (raw !== undefined) layer[spec.key] = parseParamValue(spec, raw, `--${spec.flag}`);
  }
  if (flags.stop !== undefined) {
    if (flags.stop.some((s) => s === "")) throw new UsageError("invalid value for --stop: the text is empty");
    layer.stop = flags.stop;
  }
  return layer;
}

export function resolveRunSettings(flags: ChatFlags): RunSettings {
  if (!isTemplateName(flags.template)) {
    throw new UsageError(
      `unknown chat template "${flags.template}" (expected one of: ${Object.keys(TEMPLATES).join(", ")})`,
    );
  }
  if (flags.system !== undefined && flags.systemFile !== undefined) {
    throw new UsageError("give either --system or --system-file, not both");
  }
  return {
    modelRef: flags.model,
    engine: {
      gpu: flags.gpu,
      gpuLayers: parseGpuLayers(flags.gpuLayers),
      contextSize: parseContextSize(flags.contextSize),
      threads: parseThreads(flags.threads),
      template: flags.template,
      debug: flags.debug === true,
    },
    params: paramsFromFlags(flags),
    output: flags.json ? "json" : flags.jsonl ? "jsonl" : "text",
    stats: flags.stats === true,
    showReasoning: flags.showReasoning === true,
    raw: flags.raw === true,
    debug: flags.debug === true,
    system: flags.system,
    systemFile: flags.systemFile,
    messagesSource: flags.messages,
    schemaSource: flags.schema,
  };
}
