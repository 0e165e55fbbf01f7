/**
 * The config file: read and checked here (fast, no conf import), written through conf with the
 * JSON schema from `settings/keys.ts`. A file that is not valid JSON or breaks the schema is never
 * rewritten: every command that meets it stops with a message saying how to fix it.
 */
import { basename, dirname, extname } from "node:path";
import { UsageError } from "../errors.js";
import { configKey, configSchema, findConfigKey, knownKeys, type ConfigValue } from "../settings/keys.js";
import { ensureDir, FILE_MODE, readTextIfExists, withFileLockAsync, writeFileAtomic } from "./files.js";
import { parseJsonInput, stripBom } from "./json-input.js";
import { parleyPaths } from "./paths.js";
import { INPUT_LIMITS } from "./read-bounded.js";

/** The values set in a config file, by key. */
export type ConfigValues = Partial<Record<string, ConfigValue>>;

export function configFilePath(): string {
  return parleyPaths().configFile;
}

function fixHint(path: string): string {
  return `fix it with "parley config edit" or delete ${path} to reset`;
}

/** Checks a parsed config object; `where` names the file in errors. */
export function checkConfigObject(value: unknown, path: string, hint = fixHint(path)): ConfigValues {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`config file ${path} must hold a JSON object; ${hint}`);
  }
  const out: ConfigValues = {};
  for (const [key, v] of Object.entries(value)) {
    const spec = findConfigKey(key);
    if (!spec)
      throw new UsageError(`config file ${path} has an unknown key "${key}" (known keys: ${knownKeys()}); ${hint}`);
    try {
      out[key] = spec.check(v, `"${key}"`);
    } catch (err) {
      throw new UsageError(`config file ${path}: ${(err as Error).message}; ${hint}`);
    }
  }
  return out;
}

/** Parses and checks config text, as found in `path`. */
export function parseConfigText(text: string, path: string, hint = fixHint(path)): ConfigValues {
  let value: unknown;
  try {
    value = parseJsonInput(text, `config file ${path}`);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; ${hint}`);
  }
  return checkConfigObject(value, path, hint);
}

/** The values in the config file; none when it does not exist. */
export function readConfig(path = configFilePath()): ConfigValues {
  const text = readTextIfExists(path, "config file", INPUT_LIMITS.config);
  return text === undefined ? {} : parseConfigText(text, path);
}

/** Reads a value given on the command line for `key`. */
export function parseConfigValue(key: string, raw: string): ConfigValue {
  return configKey(key).parse(raw, `config key "${key}"`);
}

interface ConfStore {
  set(key: string, value: unknown): void;
  delete(key: string): void;
  store: Record<string, unknown>;
}

/** conf over the file at `path`, after checking the file so conf never meets a bad one. */
async function openConf(path: string): Promise<ConfStore> {
  readConfig(path);
  ensureDir(dirname(path));
  const { default: Conf } = await import("conf");
  const ext = extname(path);
  return new Conf<Record<string, unknown>>({
    projectName: "parley",
    cwd: dirname(path),
    configName: basename(path, ext),
    fileExtension: ext.replace(/^\./, ""),
    schema: configSchema(),
    rootSchema: { additionalProperties: false },
    ajvOptions: { strict: false },
    clearInvalidConfig: false,
    accessPropertiesByDotNotation: false,
    configFileMode: FILE_MODE,
    // The same JSON reading as everywhere else: a leading byte-order mark is accepted.
    deserialize: (text: string) => JSON.parse(stripBom(text)) as Record<string, unknown>,
  });
}

/** Sets one key from its command-line text; returns the stored value. */
export async function setConfigValue(key: string, raw: string, path = configFilePath()): Promise<ConfigValue> {
  const value = parseConfigValue(key, raw);
  const conf = await openConf(path);
  await withFileLockAsync(path, () => conf.set(key, value));
  return value;
}

/** Removes one key, so its value falls back to the default; false when it was not set. */
export async function unsetConfigValue(key: string, path = configFilePath()): Promise<boolean> {
  configKey(key);
  if (!Object.hasOwn(readConfig(path), key)) return false;
  const conf = await openConf(path);
  await withFileLockAsync(path, () => conf.delete(key));
  return true;
}

/** Replaces the whole file with `values` (already checked), as `config edit` does. */
export async function replaceConfig(values: ConfigValues, path = configFilePath()): Promise<void> {
  let valid = true;
  try {
    readConfig(path);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    valid = false;
  }
  // conf will not open an invalid file, and that is the file being fixed: write it directly.
  if (valid) {
    const conf = await openConf(path);
    await withFileLockAsync(path, () => {
      conf.store = values;
    });
  } else writeFileAtomic(path, `${JSON.stringify(values, undefined, "\t")}\n`);
}
