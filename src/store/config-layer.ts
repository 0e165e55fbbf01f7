/**
 * Config values as layers a run can merge. Precedence, highest first:
 * flag > environment variable > `--messages` request body > preset > config file > built-in default.
 */
import type { ParamLayer } from "../chat/params.js";
import { PARAM_SPECS } from "../chat/params.js";
import { CONFIG_KEYS, type ConfigValue } from "./config-keys.js";
import { readConfig, type ConfigValues } from "./config.js";
import { getPreset } from "./presets.js";

export type GpuSetting = "auto" | "cuda" | "vulkan" | "metal" | "off";

/** Engine settings one source gives; undefined means "not set here". */
export interface EngineLayer {
  gpu?: GpuSetting;
  gpuLayers?: number | "auto" | "max";
  contextSize?: number | "auto";
  threads?: number;
  template?: string;
}

/** Everything one source (environment, config file, defaults) says about a run. */
export interface SettingsLayer {
  params: ParamLayer;
  engine: EngineLayer;
  model?: string;
  system?: string;
  preset?: string;
  markdown?: boolean;
  history?: boolean;
  snapshotCapMb?: number;
}

/** The config values set by environment variables (`PARLEY_TEMPERATURE`, `PARLEY_GPU_LAYERS`...). */
export function readEnvValues(env: NodeJS.ProcessEnv = process.env): ConfigValues {
  const out: ConfigValues = {};
  for (const spec of CONFIG_KEYS) {
    const raw = env[spec.env];
    if (raw !== undefined && raw !== "") out[spec.key] = spec.parse(raw, spec.env);
  }
  return out;
}

/** The built-in defaults, as config values (keys whose default is decided at run time are absent). */
export function defaultValues(): ConfigValues {
  const out: ConfigValues = {};
  for (const spec of CONFIG_KEYS) if (spec.defaultValue !== undefined) out[spec.key] = spec.defaultValue;
  return out;
}

/** Turns flat config values into a layer. */
export function toSettingsLayer(values: ConfigValues): SettingsLayer {
  const layer: SettingsLayer = { params: {}, engine: {} };
  for (const spec of PARAM_SPECS) {
    const v = values[spec.flag];
    if (typeof v === "number") layer.params[spec.key] = v;
  }
  if (Array.isArray(values.stop)) layer.params.stop = values.stop;
  const str = (key: string): string | undefined => (typeof values[key] === "string" ? values[key] : undefined);
  const num = (key: string): number | undefined => (typeof values[key] === "number" ? values[key] : undefined);
  const bool = (key: string): boolean | undefined => (typeof values[key] === "boolean" ? values[key] : undefined);
  const engine = layer.engine;
  if (str("gpu") !== undefined) engine.gpu = str("gpu") as GpuSetting;
  const gpuLayers = values["gpu-layers"];
  if (gpuLayers !== undefined) engine.gpuLayers = gpuLayers as number | "auto" | "max";
  const contextSize = values["context-size"];
  if (contextSize !== undefined) engine.contextSize = contextSize as number | "auto";
  if (num("threads") !== undefined) engine.threads = num("threads");
  if (str("template") !== undefined) engine.template = str("template");
  const assign = <K extends keyof SettingsLayer>(key: K, value: SettingsLayer[K] | undefined): void => {
    if (value !== undefined) layer[key] = value;
  };
  assign("model", str("model"));
  assign("system", str("system"));
  assign("preset", str("preset"));
  assign("markdown", bool("markdown"));
  assign("history", bool("history"));
  assign("snapshotCapMb", num("snapshot-cap-mb"));
  return layer;
}

export interface StoredLayers {
  env: SettingsLayer;
  config: SettingsLayer;
  defaults: SettingsLayer;
}

/**
 * The layers parley keeps outside the command line, for one-shot and the chat screen to merge
 * with flags, a request body and a preset. Throws a UsageError for a bad config file or variable.
 */
export function loadStoredLayers(env: NodeJS.ProcessEnv = process.env, path?: string): StoredLayers {
  return {
    env: toSettingsLayer(readEnvValues(env)),
    config: toSettingsLayer(readConfig(path)),
    defaults: toSettingsLayer(defaultValues()),
  };
}

/**
 * A preset as a layer: its system prompt and sampling parameters. Which preset: `-p` flag, else
 * the env or config `preset`. A missing name is a usage error listing the known presets.
 */
export function presetSettingsLayer(name: string, presetsPath?: string): SettingsLayer {
  const preset = getPreset(name, presetsPath);
  return { ...toSettingsLayer(preset.params), system: preset.system };
}

export type ValueSource = "env" | "preset" | "config" | "default";

export interface EffectiveValue {
  key: string;
  value: ConfigValue | undefined;
  source: ValueSource;
  /** For a run-time default: what it will be. */
  defaultText?: string;
  env: string;
}

/**
 * Each key's value with where it came from, as far as it is known without flags: environment,
 * then the preset named by the environment or the config (its system prompt and parameters),
 * then the config file, then the built-in default.
 */
export function effectiveConfig(
  env: NodeJS.ProcessEnv = process.env,
  path?: string,
  presetsPath?: string,
): EffectiveValue[] {
  const fromEnv = readEnvValues(env);
  const fromConfig = readConfig(path);
  const presetName = fromEnv.preset ?? fromConfig.preset;
  let fromPreset: ConfigValues = {};
  if (typeof presetName === "string") {
    const preset = getPreset(presetName, presetsPath);
    fromPreset = { ...preset.params, system: preset.system };
  }
  const layers: [ValueSource, ConfigValues][] = [
    ["env", fromEnv],
    ["preset", fromPreset],
    ["config", fromConfig],
  ];
  return CONFIG_KEYS.map((spec): EffectiveValue => {
    const base = { key: spec.key, env: spec.env };
    for (const [source, values] of layers) {
      const v = values[spec.key];
      if (v !== undefined) return { ...base, value: v, source };
    }
    return {
      ...base,
      value: spec.defaultValue,
      source: "default",
      ...(spec.defaultText ? { defaultText: spec.defaultText } : {}),
    };
  });
}
