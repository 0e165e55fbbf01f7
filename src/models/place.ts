/**
 * Putting a checked download into the models folder. The file appears by a hard link (which
 * never replaces a file) or a rename; a file of that name already there is the same model only
 * when its sha256 is the same, and otherwise the download is saved under the next free name
 * (`name-2.gguf`, `name-3.gguf`...), so a different model is never taken for the one asked for.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, linkSync, lstatSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fsReason, RuntimeError } from "../errors.js";
import { originOfFile, readOrigins } from "./origins.js";

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export interface Placed {
  file: string;
  /** The same model was there already under this name; the download was dropped. */
  existed: boolean;
  /** A different model has the file name the download wanted. */
  clash?: string;
}

function candidates(file: string): string[] {
  const stem = file.replace(/\.gguf$/i, "");
  return [file, ...Array.from({ length: 98 }, (_, i) => `${stem}-${i + 2}.gguf`)];
}

async function sameModel(folder: string, name: string, size: number, sha256: string): Promise<boolean> {
  const path = join(folder, name);
  const st = lstatSync(path);
  if (!st.isFile() || st.size !== size) return false;
  const recorded = originOfFile(readOrigins(folder), name)?.sha256;
  return recorded !== undefined ? recorded === sha256 : (await sha256File(path)) === sha256;
}

/** Links (or renames) `staged` into `folder` as `file` or the next free name. */
export async function place(staged: string, folder: string, file: string, sha256: string): Promise<Placed> {
  const size = lstatSync(staged).size;
  for (const name of candidates(file)) {
    const target = join(folder, name);
    if (existsSync(target) || isLink(target)) {
      if (await sameModel(folder, name, size, sha256)) return { file: name, existed: true };
      continue;
    }
    try {
      linkSync(staged, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST") continue;
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP")
        throw new RuntimeError(`cannot save the model in ${folder}: ${fsReason(err)}`);
      renameSync(staged, target); // No hard links here: the check above has to do.
    }
    rmSync(staged, { force: true });
    return { file: name, existed: false, ...(name !== file ? { clash: file } : {}) };
  }
  throw new RuntimeError(`cannot save ${file}: too many models with that name are in ${folder}`);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
