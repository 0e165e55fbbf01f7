/** What the `parley config` subcommands do. */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { namesEndpoint } from "../../core/remote-model.js";
import { RuntimeError, UsageError } from "../../errors.js";
import { CONFIG_KEYS, configKey, type ConfigValue } from "../../settings/keys.js";
import {
  configFilePath,
  parseConfigText,
  readConfig,
  replaceConfig,
  setConfigValue,
  unsetConfigValue,
} from "../../store/config.js";
import { readTextIfExists } from "../../store/files.js";
import { expandHome, fileErrorText, systemErrorText } from "../../store/paths.js";
import { getPreset } from "../../store/presets.js";
import { editSession } from "./editor.js";
import { stringifyJson } from "../../output/json-text.js";
import { sanitizeForTerminal } from "../../output/sanitize.js";

const tty = process.stdout.isTTY === true;

/** A line to stdout; stored text (a system prompt, a model path) is made terminal-safe on a terminal. */
function out(text: string): void {
  process.stdout.write(`${tty ? sanitizeForTerminal(text) : text}\n`);
}

/** A value as `config get` prints it: text as it is, lists as JSON. */
function plain(value: ConfigValue | undefined): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A value in a listing, unambiguous: text quoted. */
function shown(value: ConfigValue): string {
  return typeof value === "string" && !/^[\w.-]+$/.test(value) ? JSON.stringify(value) : plain(value);
}

/** Each key's value and where it comes from, as far as it is known without flags. */
async function effectiveRows(): Promise<
  { key: string; env: string; value: ConfigValue | undefined; source: string; defaultText?: string }[]
> {
  const { loadSettings } = await import("../../core/index.js");
  const { settings } = loadSettings({});
  return CONFIG_KEYS.map((spec) => {
    const s = settings.setting(spec.key);
    return {
      key: spec.key,
      env: spec.env,
      value: s.value ?? undefined,
      source: s.source,
      ...(s.defaultText ? { defaultText: s.defaultText } : {}),
    };
  });
}

/** For the key's variable: whether it is set now, never its value. */
function keyNote(key: string, value: ConfigValue | undefined): string {
  if (key !== "api-key-env" || typeof value !== "string") return "";
  return `  (${(process.env[value] ?? "") !== "" ? "set" : "not set"})`;
}

export async function listConfig(opts: { json?: boolean; effective?: boolean }): Promise<void> {
  if (opts.effective) {
    const rows = await effectiveRows();
    if (opts.json)
      return out(
        stringifyJson(
          rows.map((r) => ({
            ...r,
            value: r.value ?? null,
            ...(r.key === "api-key-env" && typeof r.value === "string"
              ? { keySet: (process.env[r.value] ?? "") !== "" }
              : {}),
          })),
          2,
        ),
      );
    const width = Math.max(...rows.map((r) => r.key.length));
    const values = rows.map((r) => (r.value !== undefined ? shown(r.value) : `(${r.defaultText ?? "none"})`));
    const valueWidth = Math.min(40, Math.max(...values.map((v) => v.length)));
    rows.forEach((r, i) => {
      const source = r.source === "env" ? `env ${r.env}` : r.source;
      out(`${r.key.padEnd(width)}  ${(values[i] ?? "").padEnd(valueWidth)}  ${source}${keyNote(r.key, r.value)}`);
    });
    return;
  }
  const values = readConfig();
  if (opts.json) return out(stringifyJson(values, 2));
  for (const spec of CONFIG_KEYS) {
    const v = values[spec.key];
    if (v !== undefined) out(`${spec.key} = ${shown(v)}${keyNote(spec.key, v)}`);
  }
  if (Object.keys(values).length === 0) {
    process.stderr.write(
      `${sanitizeForTerminal(`nothing is set in ${configFilePath()}`)}; see "parley config list --effective"\n`,
    );
  }
}

export function getConfig(key: string): void {
  const spec = configKey(key);
  out(plain(readConfig()[spec.key] ?? spec.defaultValue));
}

/** A model setting that names a file (not a bare name, an `hf:` reference or a URL). */
export function looksLikeModelPath(value: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^hf:/i.test(value) || namesEndpoint(value)) return false;
  return /[\\/]/.test(value) || value.startsWith("~") || value.startsWith(".") || /\.gguf$/i.test(value);
}

/** The first bytes of the file, or undefined when it cannot be read. */
function readMagic(path: string): string | undefined {
  try {
    const fd = openSync(path, "r");
    try {
      const buffer = Buffer.alloc(4);
      const n = readSync(fd, buffer, 0, 4, 0);
      return buffer.subarray(0, n).toString("latin1");
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * A model path as it is saved: `~` expanded and made absolute, so it works from anywhere. A
 * missing file or a folder is refused; a file that is not a readable GGUF is kept with a warning.
 */
export function checkModelPath(raw: string): string {
  if (!looksLikeModelPath(raw)) return raw;
  const path = resolve(expandHome(raw));
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    throw new UsageError(`cannot use model ${path}: ${fileErrorText(err)}`);
  }
  if (!isFile) throw new UsageError(`cannot use model ${path}: it is a folder, not a GGUF file`);
  const magic = readMagic(path);
  if (magic === undefined) warn(`${path} cannot be read now; it is saved anyway`);
  else if (magic !== "GGUF")
    warn(`${path} does not look like a GGUF model file (it does not start with "GGUF"); it is saved anyway`);
  return path;
}

function warn(text: string): void {
  process.stderr.write(`parley: warning: ${sanitizeForTerminal(text)}\n`);
}

/** Runs a change of the config file; a file system refusal is told in words, naming the file. */
async function changing(change: () => Promise<unknown>): Promise<void> {
  try {
    await change();
  } catch (err) {
    const why = systemErrorText(err);
    if (why === undefined) throw err;
    throw new RuntimeError(`cannot save ${configFilePath()}: ${why}`);
  }
}

export async function setConfig(key: string, raw: string): Promise<void> {
  const spec = configKey(key);
  if (spec.key === "preset") getPreset(raw);
  const value = spec.key === "model" ? checkModelPath(raw) : raw;
  await changing(() => setConfigValue(spec.key, value));
}

export async function unsetConfig(key: string): Promise<void> {
  await changing(() => unsetConfigValue(configKey(key).key));
}

export function printConfigPath(): void {
  out(configFilePath());
}

export async function editConfig(): Promise<void> {
  const path = configFilePath();
  const before = readTextIfExists(path) ?? "{\n}\n";
  const session = editSession(before, "config.json");
  const after = session.edit();
  if (after === before) return session.discard();
  const values = parseConfigText(after, session.path, `not saved: ${path} is unchanged`);
  await changing(() => replaceConfig(values, path));
  session.discard();
}
