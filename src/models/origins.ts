/**
 * Where each downloaded model came from: `.origins.json` in the models folder maps a reference
 * (`hf:...` or a URL) to the file it was saved as, with the file's size and sha256. A model's
 * identity is its source and hash, not its file name: a reference resolves to a file only through
 * this record, so a different model that happens to share a file name is never taken for it.
 */
import { lstatSync } from "node:fs";
import { join } from "node:path";
import { lockSync } from "./folder-lock.js";
import { readSmallFile, writeSmallFile } from "./small-file.js";

export const ORIGINS_FILE = ".origins.json";

export interface Origin {
  file: string;
  sha256?: string;
  size?: number;
}

export type Origins = Map<string, Origin>;

function parse(text: string | undefined): Origins {
  const origins: Origins = new Map();
  if (text === undefined) return origins;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return origins;
  }
  if (typeof data !== "object" || data === null) return origins;
  for (const [ref, v] of Object.entries(data as Record<string, unknown>)) {
    // Older records hold only the file name.
    if (typeof v === "string") origins.set(ref, { file: v });
    else if (typeof v === "object" && v !== null && typeof (v as Origin).file === "string") {
      const o = v as Origin;
      origins.set(ref, {
        file: o.file,
        ...(typeof o.sha256 === "string" ? { sha256: o.sha256 } : {}),
        ...(typeof o.size === "number" ? { size: o.size } : {}),
      });
    }
  }
  return origins;
}

export function readOrigins(folder: string): Origins {
  return parse(readSmallFile(join(folder, ORIGINS_FILE), "the downloads record"));
}

function update(folder: string, change: (origins: Origins) => boolean): void {
  const path = join(folder, ORIGINS_FILE);
  const release = lockSync(`${path}.lock`, path);
  try {
    const origins = readOrigins(folder);
    if (!change(origins)) return;
    writeSmallFile(path, `${JSON.stringify(Object.fromEntries(origins), undefined, 2)}\n`);
  } finally {
    release();
  }
}

export function recordOrigin(folder: string, ref: string, origin: Origin): void {
  update(folder, (origins) => {
    origins.set(ref, origin);
    return true;
  });
}

/** Forgets the references that were saved as `file` (after it is deleted). */
export function forgetOrigins(folder: string, file: string): void {
  update(folder, (origins) => {
    const before = origins.size;
    for (const [ref, o] of origins) if (o.file === file) origins.delete(ref);
    return origins.size !== before;
  });
}

/** The recorded origin of a file in the folder (any reference that was saved as it). */
export function originOfFile(origins: Origins, file: string): Origin | undefined {
  for (const o of origins.values()) if (o.file === file && o.sha256 !== undefined) return o;
  return undefined;
}

/**
 * The file `ref` was saved as, when it is still there as saved (a regular file of the recorded
 * size); undefined otherwise, and then the reference must be downloaded again.
 */
export function recordedFile(folder: string, ref: string): string | undefined {
  const origin = readOrigins(folder).get(ref);
  if (origin === undefined) return undefined;
  const path = join(folder, origin.file);
  try {
    const st = lstatSync(path);
    if (!st.isFile()) return undefined;
    if (origin.size !== undefined && st.size !== origin.size) return undefined;
  } catch {
    return undefined;
  }
  return path;
}
