/** What the `parley config` subcommands do. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { CONFIG_KEYS, configKey, type ConfigValue } from "../../store/config-keys.js";
import { effectiveConfig } from "../../store/config-layer.js";
import {
  configFilePath,
  parseConfigText,
  readConfig,
  replaceConfig,
  setConfigValue,
  unsetConfigValue,
} from "../../store/config.js";
import { readTextIfExists } from "../../store/files.js";
import { getPreset } from "../../store/presets.js";
import { editSession } from "./editor.js";
import { stringifyJson } from "../../output/json-text.js";

function out(text: string): void {
  process.stdout.write(`${text}\n`);
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

export function listConfig(opts: { json?: boolean; effective?: boolean }): void {
  if (opts.effective) {
    const rows = effectiveConfig();
    if (opts.json)
      return out(
        stringifyJson(
          rows.map((r) => ({ ...r, value: r.value ?? null })),
          2,
        ),
      );
    const width = Math.max(...rows.map((r) => r.key.length));
    const values = rows.map((r) => (r.value !== undefined ? shown(r.value) : `(${r.defaultText ?? "none"})`));
    const valueWidth = Math.min(40, Math.max(...values.map((v) => v.length)));
    rows.forEach((r, i) => {
      const source = r.source === "env" ? `env ${r.env}` : r.source;
      out(`${r.key.padEnd(width)}  ${(values[i] ?? "").padEnd(valueWidth)}  ${source}`);
    });
    return;
  }
  const values = readConfig();
  if (opts.json) return out(stringifyJson(values, 2));
  for (const spec of CONFIG_KEYS) {
    const v = values[spec.key];
    if (v !== undefined) out(`${spec.key} = ${shown(v)}`);
  }
  if (Object.keys(values).length === 0) {
    process.stderr.write(`nothing is set in ${configFilePath()}; see "parley config list --effective"\n`);
  }
}

export function getConfig(key: string): void {
  const spec = configKey(key);
  out(plain(readConfig()[key] ?? spec.defaultValue));
}

export async function setConfig(key: string, raw: string): Promise<void> {
  if (key === "preset") getPreset(raw);
  // A model file given by a relative path is kept as an absolute one, so it works from anywhere.
  const value = key === "model" && existsSync(raw) ? resolve(raw) : raw;
  await setConfigValue(key, value);
}

export async function unsetConfig(key: string): Promise<void> {
  await unsetConfigValue(key);
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
  await replaceConfig(values, path);
  session.discard();
}
