/**
 * The models folder and its aliases file. Models are the `*.gguf` files directly in the folder;
 * downloads in progress live in a hidden `.downloads` folder beside them and are never listed.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { parleyPaths } from "../store/paths.js";

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
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new UsageError(`cannot read the models folder ${folder}`);
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

export type Aliases = Record<string, string>;

const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkAliasName(name: string): void {
  if (!ALIAS_NAME.test(name) || /\.gguf$/i.test(name)) {
    throw new UsageError(
      `"${name}" cannot be an alias: use letters, digits, ".", "_" and "-" (up to 64, not ending in .gguf)`,
    );
  }
}

export function readAliases(folder: string): Aliases {
  const path = aliasesPath(folder);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return Object.create(null) as Aliases;
    throw new UsageError(`cannot read the aliases file ${path}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`the aliases file is not valid JSON: ${path} (fix or delete it)`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new UsageError(`the aliases file must hold an object of names to model references: ${path}`);
  }
  // No prototype: `constructor` or `toString` is an alias only when the file names it.
  const aliases = Object.create(null) as Aliases;
  for (const [name, ref] of Object.entries(data)) {
    if (typeof ref !== "string") throw new UsageError(`alias "${name}" in ${path} is not a text model reference`);
    aliases[name] = ref;
  }
  return aliases;
}

/** Writes the aliases file whole, through a temporary file and a rename. */
export function writeAliases(folder: string, aliases: Aliases): void {
  mkdirSync(folder, { recursive: true });
  const path = aliasesPath(folder);
  const tmp = `${path}.${process.pid}.tmp`;
  const sorted = Object.fromEntries(Object.entries(aliases).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(tmp, `${JSON.stringify(sorted, undefined, 2)}\n`);
  renameSync(tmp, path);
}

/** Aliases that name each model file: file name in the folder → alias names. */
export function aliasesByFile(aliases: Aliases): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const [name, ref] of Object.entries(aliases)) byFile.set(ref, [...(byFile.get(ref) ?? []), name]);
  return byFile;
}
