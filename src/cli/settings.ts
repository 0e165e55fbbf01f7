/**
 * Turning flags, environment, the config file and presets into validated settings.
 * One precedence rule for every value: flag > environment variable > `--messages` request body >
 * preset > config file > built-in default. (The body is read later, in `prepareRequest`.)
 */
import { mergeParams, PARAM_SPECS, parseParamValue, type ParamLayer, type SamplingParams } from "../chat/params.js";
import type { EngineOptions, GpuChoice } from "../engine/engine.js";
import { isTemplateName, TEMPLATES } from "../engine/templates.js";
import { defaultThreads } from "../engine/threads.js";
import { UsageError } from "../errors.js";
import { loadStoredLayers, presetSettingsLayer, type SettingsLayer, type StoredLayers } from "../store/config-layer.js";

export interface ChatFlags {
  model?: string;
  gpu?: GpuChoice;
  gpuLayers?: string;
  contextSize?: string;
  threads?: string;
  template?: string;
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
  stop?: string[];
  [param: string]: unknown;
}

export type OutputMode = "text" | "json" | "jsonl";

/** Parameter layers by source; the request body slots in between env and preset. */
export interface ParamSources {
  flags: ParamLayer;
  env: ParamLayer;
  preset: ParamLayer;
  config: ParamLayer;
}

export interface RunSettings {
  modelRef: string | undefined;
  engine: Omit<EngineOptions, "modelPath">;
  params: ParamSources;
  output: OutputMode;
  stats: boolean;
  showReasoning: boolean;
  raw: boolean;
  debug: boolean;
  /** The system prompt given by flag or environment: it replaces one from `--messages`. */
  system: string | undefined;
  systemFile: string | undefined;
  /** The system prompt of the preset, else the config: used when no other is given. */
  fallbackSystem: string | undefined;
  preset: string | undefined;
  messagesSource: string | undefined;
  schemaSource: string | undefined;
  /** Save the conversation. */
  history: boolean;
  markdown: boolean;
  snapshotCapMb: number | undefined;
  /** `-c`: the latest conversation; `--resume <id>`: that one. */
  resume: { latest: true } | { id: string } | undefined;
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

export function parseContextSize(raw: string): number | "auto" {
  if (raw === "auto") return "auto";
  return parseWholeNumber(raw, "--context-size", 16, 10_000_000);
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

/** The parameters of a run: flags, environment, the request body, preset, config, defaults. */
export function effectiveParams(settings: RunSettings, body: ParamLayer = {}): SamplingParams {
  const p = settings.params;
  return mergeParams(p.flags, p.env, body, p.preset, p.config);
}

export type ParamSource = "flag" | "env" | "request body" | "preset" | "config" | "default";

/** Where each sampling parameter's value comes from, by the precedence rule. */
export function paramSources(settings: RunSettings, body: ParamLayer = {}): Record<string, ParamSource> {
  const p = settings.params;
  const layers: [ParamSource, ParamLayer][] = [
    ["flag", p.flags],
    ["env", p.env],
    ["request body", body],
    ["preset", p.preset],
    ["config", p.config],
  ];
  const out: Record<string, ParamSource> = {};
  for (const key of [...PARAM_SPECS.map((s) => s.key), "stop" as const]) {
    out[key] = layers.find(([, layer]) => layer[key] !== undefined)?.[0] ?? "default";
  }
  return out;
}

function checkTemplate(name: string, where: string): string {
  if (!isTemplateName(name)) {
    throw new UsageError(
      `unknown chat template "${name}" in ${where} (expected one of: ${Object.keys(TEMPLATES).join(", ")})`,
    );
  }
  return name;
}

function resolveEngine(flags: ChatFlags, env: SettingsLayer, config: SettingsLayer): RunSettings["engine"] {
  const e = env.engine;
  const c = config.engine;
  const template =
    flags.template !== undefined ? checkTemplate(flags.template, "--template") : (e.template ?? c.template);
  return {
    gpu: flags.gpu ?? e.gpu ?? c.gpu ?? "auto",
    gpuLayers:
      (flags.gpuLayers !== undefined ? parseGpuLayers(flags.gpuLayers) : undefined) ??
      e.gpuLayers ??
      c.gpuLayers ??
      "auto",
    contextSize:
      (flags.contextSize !== undefined ? parseContextSize(flags.contextSize) : undefined) ??
      e.contextSize ??
      c.contextSize,
    threads:
      (flags.threads !== undefined ? parseWholeNumber(flags.threads, "--threads", 1, 1024) : undefined) ??
      e.threads ??
      c.threads ??
      defaultThreads(),
    template: checkTemplate(template ?? "auto", "the config"),
    debug: flags.debug === true,
  };
}

export function resolveRunSettings(flags: ChatFlags, stored: StoredLayers = loadStoredLayers()): RunSettings {
  if (flags.system !== undefined && flags.systemFile !== undefined) {
    throw new UsageError("give either --system or --system-file, not both");
  }
  const { env, config } = stored;
  const flagParams = paramsFromFlags(flags);
  const presetName = flags.preset ?? env.preset ?? config.preset;
  const preset: SettingsLayer = presetName !== undefined ? presetSettingsLayer(presetName) : { params: {}, engine: {} };
  return {
    modelRef: flags.model ?? env.model ?? config.model,
    engine: resolveEngine(flags, env, config),
    params: { flags: flagParams, env: env.params, preset: preset.params, config: config.params },
    output: flags.json ? "json" : flags.jsonl ? "jsonl" : "text",
    stats: flags.stats === true,
    showReasoning: flags.showReasoning === true,
    raw: flags.raw === true,
    debug: flags.debug === true,
    system: flags.systemFile !== undefined ? undefined : (flags.system ?? env.system),
    systemFile: flags.systemFile,
    fallbackSystem: preset.system ?? config.system,
    preset: presetName,
    messagesSource: flags.messages,
    schemaSource: flags.schema,
    history: flags.history !== false && (env.history ?? config.history ?? true),
    markdown: env.markdown ?? config.markdown ?? true,
    snapshotCapMb: env.snapshotCapMb ?? config.snapshotCapMb,
    resume: flags.continue ? { latest: true } : flags.resume !== undefined ? { id: flags.resume } : undefined,
  };
}
