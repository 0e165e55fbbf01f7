/**
 * What front ends may read of the store, through the core: saved conversations to list, preset
 * names to complete, the input history. Front ends never touch those files themselves.
 */
export { listConversations, type ConversationSummary } from "../store/conversations.js";
export { InputHistory } from "../store/input-history.js";
import { resolve } from "node:path";
import { writeExportFile } from "../store/export-file.js";
import { expandHome } from "../store/paths.js";
import { aliasesByFile, modelFiles, modelsFolder, readAliases } from "../models/folder.js";
import { readPresets } from "../store/presets.js";

/** The names of the saved presets; none when the presets file cannot be read. */
export function presetNames(): string[] {
  try {
    return [...readPresets().keys()];
  } catch {
    return [];
  }
}

/** The models in the models folder, with their aliases, for `/models` and completing `/model`. */
export function localModels(): { name: string; aliases: string[] }[] {
  try {
    const folder = modelsFolder();
    const byFile = aliasesByFile(readAliases(folder));
    return modelFiles(folder).map((file) => ({ name: file.replace(/\.gguf$/i, ""), aliases: byFile.get(file) ?? [] }));
  } catch {
    return [];
  }
}

/**
 * Writes text a person asked to export (`/export file`) to `file`, relative to `cwd`, `~`
 * expanded; an existing file only with `force` (`/export file --force`), and never half (see
 * store/export-file.ts). Returns the absolute path; a failure is one plain line.
 */
export function writeExport(file: string, cwd: string, text: string, force = false): string {
  const path = resolve(cwd, expandHome(file));
  writeExportFile(path, text, force, `add --force to replace it (/export ${file} --force)`);
  return path;
}
