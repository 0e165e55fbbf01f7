/**
 * The models folder and its aliases file. Models are the `*.gguf` files directly in the folder;
 * downloads in progress live in a hidden `.downloads` folder beside them and are never listed.
 */
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fsReason, RuntimeError, UsageError } from "../errors.js";
import { parleyPaths } from "../store/paths.js";
import { lockSync } from "./folder-lock.js";
import { readSmallFile, writeSmallFile } from "./small-file.js";

export const ALIASES_FILE = "aliases.json";
export const DOWNLOADS_DIR = ".downloads";

export function modelsFolder(env: NodeJS.ProcessEnv = process.env): string {
  return parleyPaths({ env }).models;
}

export function aliasesPath(folder: string): string {
  return join(folder, ALIASES_FILE);
}

/** The model files in the folder, sorted by name. */
export function modelFiles(folder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder, { withFileTypes: true })
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && /\.gguf$/i.test(e.name) && !e.name.startsWith("."))
      .map((e) => e.name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    const why = code === "ENOTDIR" ? "it is a file, not a folder" : fsReason(err);
    throw new UsageError(`cannot read the models folder ${folder}: ${why}`);
  }
  return names.sort((a, b) => a.localeCompare(b));
}

/** Finds a model in the folder by file name, or by name without `.gguf` (case-insensitive as a fallback). */
export function findInFolder(folder: string, name: string): string | undefined {
  const files = modelFiles(folder);
  const wanted = [name, `${name}.gguf`];
  const exact = files.find((f) => wanted.includes(f));
  if (exact) return join(folder, exact);
  const lower = wanted.map((w) => w.toLowerCase());
  const loose = files.filter((f) => lower.includes(f.toLowerCase()));
  return loose.length === 1 && loose[0] !== undefined ? join(folder, loose[0]) : undefined;
}

/** Alias name → model reference; an object without a prototype, so `constructor` is just a name. */
export type Aliases = Record<string, string>;

const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkAliasName(name: string): void {
  if (!ALIAS_NAME.test(name) || /\.gguf$/i.test(name)) {
    throw new UsageError(
      `"${name}" cannot be an alias: use letters, digits, ".", "_" and "-" (up to 64, not ending in .gguf)`,
    );
  }
}

/** What the alias names; undefined for a name that is not an alias (whatever the name). */
export function aliasTarget(aliases: Aliases, name: string): string | undefined {
  return Object.hasOwn(aliases, name) ? aliases[name] : undefined;
}

export function readAliases(folder: string): Aliases {
  const path = aliasesPath(folder);
  const text = readSmallFile(path, "the aliases file");
  const aliases = Object.create(null) as Aliases;
  if (text === undefined) return aliases;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`the aliases file is not valid JSON: ${path} (fix or delete it)`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new UsageError(`the aliases file must hold an object of names to model references: ${path}`);
  }
  for (const [name, ref] of Object.entries(data)) {
    if (typeof ref !== "string") throw new UsageError(`alias "${name}" in ${path} is not a text model reference`);
    aliases[name] = ref;
  }
  return aliases;
}

/**
 * Changes the aliases file under its lock (`aliases.json.lock`), so two parleys changing aliases
 * at once do not lose each other's change; written whole, through a temporary file and a rename.
 */
export function updateAliases(folder: string, change: (aliases: Aliases) => void): void {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new RuntimeError(`cannot make the models folder ${folder}: ${fsReason(err)}`);
  }
  const path = aliasesPath(folder);
  const release = lockSync(`${path}.lock`, path);
  try {
    const aliases = readAliases(folder);
    change(aliases);
    const sorted = Object.entries(aliases).sort(([a], [b]) => a.localeCompare(b));
    writeSmallFile(path, `${JSON.stringify(Object.fromEntries(sorted), undefined, 2)}\n`);
  } finally {
    release();
  }
}

/** Aliases that name each model file: file name in the folder → alias names. */
export function aliasesByFile(aliases: Aliases): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const [name, ref] of Object.entries(aliases)) byFile.set(ref, [...(byFile.get(ref) ?? []), name]);
  return byFile;
}
