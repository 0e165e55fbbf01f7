/**
 * What front ends may read of the store, through the core: saved conversations to list, preset
 * names to complete, the input history. Front ends never touch those files themselves.
 */
export { listConversations, type ConversationSummary } from "../store/conversations.js";
export { InputHistory } from "../store/input-history.js";
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
