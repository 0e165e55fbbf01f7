/**
 * The models a server offers, by the names clients send in `model`: the model it was started with,
 * every model in the models folder (its file name without `.gguf`) and their aliases. Names only:
 * a path, a URL or a download is never taken from a request.
 */
import { statSync } from "node:fs";
import { basename, join } from "node:path";
import { aliasesByFile, findInFolder, modelFiles, modelsFolder, readAliases } from "../models/folder.js";
import { HttpError } from "./errors.js";

export interface CatalogEntry {
  id: string;
  path: string;
  aliases: string[];
  size: number | undefined;
}

function nameOf(path: string): string {
  return basename(path).replace(/\.gguf$/i, "");
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

export class Catalog {
  constructor(private readonly defaultPath: string) {}

  /** The model a request without `model` gets. */
  get defaultEntry(): CatalogEntry {
    const entry = this.entries()[0];
    if (!entry) throw new HttpError(500, "no model is served", "server_error");
    return entry;
  }

  /** The served model first, then the models folder's, each once. */
  entries(): CatalogEntry[] {
    const folder = modelsFolder();
    let aliases: Record<string, string> = {};
    try {
      aliases = readAliases(folder);
    } catch {
      // A damaged aliases file hides the aliases, not the models.
    }
    const byFile = aliasesByFile(aliases);
    const out: CatalogEntry[] = [];
    const seen = new Set<string>();
    const add = (path: string, file: string | undefined): void => {
      if (seen.has(path)) return;
      seen.add(path);
      out.push({ id: nameOf(path), path, aliases: file ? (byFile.get(file) ?? []) : [], size: sizeOf(path) });
    };
    const defaultFile = this.defaultPath.startsWith(join(folder, "")) ? basename(this.defaultPath) : undefined;
    add(this.defaultPath, defaultFile);
    let files: string[] = [];
    try {
      files = modelFiles(folder);
    } catch {
      // An unreadable folder: only the served model.
    }
    for (const file of files) add(join(folder, file), file);
    return out;
  }

  /** The entry a request's `model` names; 400 for a name with path characters, 404 for an unknown one. */
  find(name: string | undefined): CatalogEntry {
    if (name === undefined || name === "") return this.defaultEntry;
    // eslint-disable-next-line no-control-regex
    if (/[/\\]|\.\.|[\u0000-\u001f]/.test(name) || name.length > 256) {
      throw new HttpError(
        400,
        `"model" must be a model name, not a path`,
        "invalid_request_error",
        "invalid_model",
        "model",
      );
    }
    const entries = this.entries();
    const wanted = name.replace(/\.gguf$/i, "");
    const found =
      entries.find((e) => e.id === wanted || e.aliases.includes(name)) ??
      entries.find((e) => e.id.toLowerCase() === wanted.toLowerCase());
    if (found) return found;
    const inFolder = findInFolder(modelsFolder(), wanted);
    if (inFolder) return { id: nameOf(inFolder), path: inFolder, aliases: [], size: sizeOf(inFolder) };
    const names = entries.map((e) => e.id).concat(entries.flatMap((e) => e.aliases));
    throw new HttpError(
      404,
      `the model "${name}" does not exist here; models: ${names.join(", ")}`,
      "not_found_error",
      "model_not_found",
      "model",
    );
  }
}
