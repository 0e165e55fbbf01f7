/**
 * What front ends may read of the store, through the core: saved conversations to list, preset
 * names to complete, the input history. Front ends never touch those files themselves.
 */
export { listConversations, type ConversationSummary } from "../store/conversations.js";
export { InputHistory } from "../store/input-history.js";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { expandHome, writeErrorText } from "../store/paths.js";
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
 * expanded. Returns the absolute path; a failure is one plain line.
 */
export function writeExport(file: string, cwd: string, text: string): string {
  const path = resolve(cwd, expandHome(file));
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new UsageError(writeErrorText(path, err));
  }
  return path;
}
