/**
 * What an unfinished `parley doctor --build` leaves in node-llama-cpp's folder (the copied source
 * and a half-made build, about 200 MB): a marker names the building process while it runs; a
 * build that is stopped removes its part at once, and one that was killed outright is found by
 * its marker (its process gone) and removed by the next parley that looks.
 */
import { lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeLlamaCppFolder } from "./node-llama-cpp.js";

/** Written when a build starts, removed when it ends well: `{"pid": n}`. */
export const BUILD_MARKER = ".parley-build-running";

/** What a build writes into node-llama-cpp's `llama` folder. */
const BUILD_PARTS = ["localBuilds", "llama.cpp", "lastBuild.json"];

function llamaFolder(): string {
  return join(nodeLlamaCppFolder(), "llama");
}

export function markBuildStarted(folder = llamaFolder()): void {
  writeFileSync(join(folder, BUILD_MARKER), `${JSON.stringify({ pid: process.pid })}\n`);
}

export function markBuildDone(folder = llamaFolder()): void {
  rmSync(join(folder, BUILD_MARKER), { force: true });
}

/** Bytes under `path` (a file or a folder), not following links. */
function sizeOf(path: string): number {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of readdirSync(path)) total += sizeOf(join(path, name));
  return total;
}

/** Removes what a build wrote and its marker; the bytes freed. */
export function removePartialBuild(folder = llamaFolder()): number {
  let freed = 0;
  for (const part of BUILD_PARTS) {
    const path = join(folder, part);
    freed += sizeOf(path);
    rmSync(path, { recursive: true, force: true });
  }
  markBuildDone(folder);
  return freed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid in a build's marker; undefined when there is no marker (no build started and unfinished). */
function markerPid(folder: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(folder, BUILD_MARKER), "utf8");
  } catch {
    return undefined;
  }
  try {
    const pid = (JSON.parse(text) as { pid?: unknown }).pid;
    return typeof pid === "number" && Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return 0;
  }
}

export function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1_000_000)} MB`;
}

/**
 * Removes the leftovers of a build whose process is gone, and returns the sentence that says so;
 * undefined when there are none (or a build is still running). Never throws.
 */
export function removeLeftoverBuild(folder = llamaFolder()): string | undefined {
  try {
    const pid = markerPid(folder);
    if (pid === undefined || (pid > 0 && alive(pid))) return undefined;
    const freed = removePartialBuild(folder);
    return `an unfinished \`parley doctor --build\` had left a partial llama.cpp build behind; it was removed (${megabytes(freed)} freed)`;
  } catch {
    return undefined;
  }
}
