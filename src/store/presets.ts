/**
 * Named system prompts ("presets"), each with optional sampling parameters, kept in a file of
 * their own that is replaced atomically (temporary file + rename) under a lock.
 */
import { parseJsonText } from "../chat/messages.js";
import { findParamSpec, parseParamValue, PARAM_SPECS, type ParamLayer } from "../chat/params.js";
import { checkToolNames, parseToolNames } from "../chat/tool-names.js";
import { UsageError } from "../errors.js";
import { didYouMean, normalizeKey, PRESET_NAME } from "../settings/keys.js";
import { readTextIfExists, withFileLock, writeFileAtomic } from "./files.js";
import { parleyPaths } from "./paths.js";

export interface Preset {
  name: string;
  system: string;
  /**
   * Sampling parameters by flag name (`temperature`, `top-p`...), `stop`: the texts that end a
   * reply, and `tools`: the tools the chat screen offers.
   */
  params: PresetParams;
  created: string;
  updated: string;
}

/** Numbers by flag name, and `stop` as a list of texts. */
export type PresetParams = Record<string, number | string[]>;

/** The names a preset's parameters may have, in their one spelling. */
export const PRESET_PARAM_NAMES: readonly string[] = [...PARAM_SPECS.map((s) => s.flag), "stop", "tools"];

function checkStop(raw: unknown, where: string): string[] {
  const list = typeof raw === "string" ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((s): s is string => typeof s === "string" && s !== "")) {
    throw new UsageError(
      `invalid value for ${where}.stop: ${JSON.stringify(raw)} (expected a list of non-empty texts)`,
    );
  }
  return list;
}

export function presetsFilePath(): string {
  return parleyPaths().presetsFile;
}

export function checkPresetName(name: string): string {
  if (!PRESET_NAME.test(name)) {
    throw new UsageError(
      `invalid preset name ${JSON.stringify(name)} (expected up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)`,
    );
  }
  return name;
}

/**
 * Checks sampling parameters; any spelling of a name is accepted (`top_p`, `topP`, `top-p`) and
 * kept as the flag's. `where` names their source in errors.
 */
export function checkPresetParams(value: unknown, where: string): PresetParams {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new UsageError(`${where} must be an object of sampling parameters`);
  const out: PresetParams = {};
  for (const [key, raw] of Object.entries(value)) {
    const name = normalizeKey(key);
    if (name === "stop") {
      out.stop = checkStop(raw, where);
      continue;
    }
    if (name === "tools") {
      out.tools =
        typeof raw === "string" ? parseToolNames(raw, `${where}.tools`) : checkToolNames(raw, `${where}.tools`);
      continue;
    }
    const spec = findParamSpec(name);
    if (!spec || spec.flag !== name) {
      throw new UsageError(
        `${where} has an unknown parameter "${key}"${didYouMean(name, PRESET_PARAM_NAMES)} (known: ${PRESET_PARAM_NAMES.join(", ")})`,
      );
    }
    if (typeof raw !== "number") throw new UsageError(`invalid value for ${where}.${name}: ${JSON.stringify(raw)}`);
    out[name] = parseParamValue(spec, raw, `${where}.${name}`);
  }
  return out;
}

function fixHint(path: string): string {
  return `fix ${path} by hand or delete it to start over`;
}

function checkPreset(name: string, value: unknown, path: string): Preset {
  const where = `preset "${name}" in ${path}`;
  if (!PRESET_NAME.test(name)) throw new UsageError(`${path} has an invalid preset name "${name}"; ${fixHint(path)}`);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new UsageError(`${where} must be an object; ${fixHint(path)}`);
  const v = value as Record<string, unknown>;
  if (typeof v.system !== "string") throw new UsageError(`${where} has no "system" text; ${fixHint(path)}`);
  try {
    return {
      name,
      system: v.system,
      params: checkPresetParams(v.params ?? {}, where),
      created: typeof v.created === "string" ? v.created : "",
      updated: typeof v.updated === "string" ? v.updated : "",
    };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(`${err.message}; ${fixHint(path)}`);
  }
}

/** Every preset, by name; none when the file does not exist. */
export function readPresets(path = presetsFilePath()): Map<string, Preset> {
  const text = readTextIfExists(path);
  const out = new Map<string, Preset>();
  if (text === undefined) return out;
  let value: unknown;
  try {
    value = parseJsonText(text, `presets file ${path}`);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(`${err.message}; ${fixHint(path)}`);
  }
  const presets = (value as { presets?: unknown } | null)?.presets;
  if (typeof presets !== "object" || presets === null || Array.isArray(presets))
    throw new UsageError(`presets file ${path} must hold {"presets": {...}}; ${fixHint(path)}`);
  for (const name of Object.keys(presets).sort()) {
    out.set(name, checkPreset(name, (presets as Record<string, unknown>)[name], path));
  }
  return out;
}

/** The preset called `name`, or a usage error listing the known ones. */
export function getPreset(name: string, path = presetsFilePath()): Preset {
  const presets = readPresets(path);
  const preset = presets.get(name);
  if (preset) return preset;
  const known = [...presets.keys()];
  throw new UsageError(
    known.length > 0
      ? `no preset "${name}"${didYouMean(name, known)} (known presets: ${known.join(", ")})`
      : `no preset "${name}": there are no presets yet; add one with "parley prompts add <name> <text>"`,
  );
}

function writePresets(presets: Map<string, Preset>, path: string): void {
  const body: Record<string, unknown> = {};
  for (const p of presets.values()) {
    body[p.name] = { system: p.system, params: p.params, created: p.created, updated: p.updated };
  }
  writeFileAtomic(path, `${JSON.stringify({ version: 1, presets: body }, undefined, 2)}\n`);
}

export interface PresetChange {
  system?: string;
  params?: PresetParams;
}

export function presetExistsError(name: string): UsageError {
  return new UsageError(`preset "${name}" already exists; change it with "parley prompts edit ${name}" or add --force`);
}

/** Adds a preset; refuses to replace one unless `overwrite`. */
export function addPreset(
  name: string,
  change: Required<PresetChange>,
  overwrite = false,
  path = presetsFilePath(),
): Preset {
  checkPresetName(name);
  return withFileLock(path, () => {
    const presets = readPresets(path);
    const old = presets.get(name);
    if (old && !overwrite)
      throw new UsageError(
        `preset "${name}" already exists; change it with "parley prompts edit ${name}" or add --force`,
      );
    const now = new Date().toISOString();
    const preset: Preset = {
      name,
      system: change.system,
      params: change.params,
      created: old?.created ?? now,
      updated: now,
    };
    presets.set(name, preset);
    writePresets(presets, path);
    return preset;
  });
}

/** Changes a preset's text and/or merges parameters into it. */
export function updatePreset(name: string, change: PresetChange, path = presetsFilePath()): Preset {
  return withFileLock(path, () => {
    const presets = readPresets(path);
    const old = getPreset(name, path);
    const preset: Preset = {
      ...old,
      system: change.system ?? old.system,
      params: { ...old.params, ...change.params },
      updated: new Date().toISOString(),
    };
    presets.set(name, preset);
    writePresets(presets, path);
    return preset;
  });
}

export function removePreset(name: string, path = presetsFilePath()): void {
  withFileLock(path, () => {
    const presets = readPresets(path);
    getPreset(name, path);
    presets.delete(name);
    writePresets(presets, path);
  });
}

/** A preset's sampling parameters as a layer for `mergeParams`. */
export function presetParamLayer(preset: Preset): ParamLayer {
  const layer: ParamLayer = {};
  for (const spec of PARAM_SPECS) {
    const v = preset.params[spec.flag];
    if (typeof v === "number") layer[spec.key] = v;
  }
  const stop = preset.params.stop;
  if (Array.isArray(stop) && stop.length > 0) layer.stop = stop;
  return layer;
}
