/**
 * Pulling a model into the models folder: a staging folder per reference under `.downloads`, a
 * lock so two pulls of one file never write it at once, a resumable transfer, the GGUF and sha256
 * checks (size, GGUF header, the sha256 asked for or given by the server), and the final link that
 * makes a model appear only when it is whole. Where it came from is recorded (see origins.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fsReason, ModelError, RuntimeError, UsageError } from "../errors.js";
import { DOWNLOADS_DIR } from "./folder.js";
import { lockAsync } from "./folder-lock.js";
import { GgufFormatError, readGgufHeader } from "./gguf-header.js";
import { hubHeaders, resolveHubRef } from "./hub.js";
import { recordedFile, recordOrigin } from "./origins.js";
import { place, sha256File } from "./place.js";
import { ResumableError, transfer } from "./transfer.js";
import type { ModelRef } from "./refs.js";

export type RemoteRef = Extract<ModelRef, { kind: "hf" | "url" }>;

export type PullEvent =
  | { type: "resolving"; ref: string }
  | { type: "start"; ref: string; from: string; file: string; size: number; resumedAt: number }
  | { type: "progress"; done: number; total: number; speed: number; secondsLeft: number }
  | { type: "waiting"; pid: number }
  | { type: "checking" }
  | { type: "done"; path: string; size: number }
  /** The pull failed or was stopped: whatever is said next needs a line of its own. */
  | { type: "stopped" };

export interface PullOptions {
  folder: string;
  sha256?: string;
  onEvent?: (event: PullEvent) => void;
  signal?: AbortSignal;
  /** Give up when no byte arrives for this long (ms). */
  stallMs?: number;
}

export interface PullResult {
  path: string;
  file: string;
  /** True when the file was already in the folder and nothing was downloaded. */
  existed: boolean;
  /** A different model already had the file name this one came with (`file` is then another name). */
  clash?: string;
}

export function remoteLabel(ref: RemoteRef): string {
  return ref.kind === "hf" ? ref.ref : ref.url;
}

/** The local file a remote reference was saved as, when it is still there as saved (no network needed). */
export function localFileFor(folder: string, ref: RemoteRef): string | undefined {
  return recordedFile(folder, remoteLabel(ref));
}

/** mkdir -p, with a failure in plain words (a file where a folder goes, a read-only disk...). */
function makeFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (first) {
    let err = first;
    if ((first as NodeJS.ErrnoException).code === "ENOENT") {
      // A recursive mkdir says "no such file" for any failure below a missing folder: ask the first missing one.
      let missing = dir;
      while (!existsSync(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing);
      try {
        mkdirSync(missing, { mode: 0o700 });
      } catch (real) {
        err = real;
      }
    }
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "EEXIST" || code === "ENOTDIR" ? "a file is in the way of a folder" : fsReason(err);
    throw new RuntimeError(`cannot make the folder ${dir}: ${why}`);
  }
}

/** Downloads a remote reference into the folder (or finds it there); returns the model file. */
export async function pullModel(ref: RemoteRef, options: PullOptions): Promise<PullResult> {
  const label = remoteLabel(ref);
  const expectSha = options.sha256?.toLowerCase();
  if (expectSha !== undefined && !/^[0-9a-f]{64}$/.test(expectSha)) {
    throw new UsageError(`--sha256 must be 64 hexadecimal digits`);
  }
  const found = async (path: string): Promise<PullResult> => {
    if (expectSha !== undefined) {
      const actual = await sha256File(path);
      if (actual !== expectSha) {
        throw new ModelError(
          `${basename(path)} is already in the models folder but has sha256 ${actual}, not ${expectSha}`,
        );
      }
    }
    return { path, file: basename(path), existed: true };
  };
  const existing = localFileFor(options.folder, ref);
  if (existing) return found(existing);

  const key = createHash("sha256").update(label).digest("hex").slice(0, 16);
  const staging = join(options.folder, DOWNLOADS_DIR, key);
  makeFolder(staging);
  const release = await lockAsync(`${staging}.lock`, label, {
    onWait: (pid) => options.onEvent?.({ type: "waiting", pid }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    const already = localFileFor(options.folder, ref);
    if (already) return await found(already);
    makeFolder(staging); // A pull that finished while this one waited removed it.
    if (ref.kind === "hf") options.onEvent?.({ type: "resolving", ref: label });
    let staged: Staged;
    try {
      staged = await download(ref, staging, options);
    } catch (err) {
      // Keep a partial transfer for the next pull to resume; drop a staging folder with nothing in it.
      if (!(err instanceof ResumableError)) rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    options.onEvent?.({ type: "checking" });
    const sha256 = await check(staged, label, staging, expectSha);
    const size = statSync(staged.path).size;
    const placed = await place(staged.path, options.folder, staged.file, sha256);
    recordOrigin(options.folder, label, { file: placed.file, sha256, size });
    rmSync(staging, { recursive: true, force: true });
    const finalPath = join(options.folder, placed.file);
    if (!placed.existed) options.onEvent?.({ type: "done", path: finalPath, size: statSync(finalPath).size });
    return {
      path: finalPath,
      file: placed.file,
      existed: placed.existed,
      ...(placed.clash ? { clash: placed.clash } : {}),
    };
  } finally {
    release();
  }
}

interface Staged {
  path: string;
  file: string;
  /** The sha256 and size the server gave for the file, when it gave them. */
  sha256?: string;
  size?: number;
}

/** The staged file is a whole GGUF model with the hash expected of it; returns its sha256. */
async function check(staged: Staged, label: string, staging: string, expectSha: string | undefined): Promise<string> {
  const refuse = (why: string): ModelError => {
    rmSync(staging, { recursive: true, force: true });
    return new ModelError(`the file from ${label} ${why}; nothing was saved`);
  };
  try {
    await readGgufHeader(staged.path);
  } catch (err) {
    throw refuse(`is not a usable GGUF model (${err instanceof GgufFormatError ? err.message : "it cannot be read"})`);
  }
  if (staged.size !== undefined && statSync(staged.path).size !== staged.size) {
    throw refuse(`is ${statSync(staged.path).size} bytes, not the ${staged.size} the server gave`);
  }
  const actual = await sha256File(staged.path);
  if (expectSha !== undefined && actual !== expectSha)
    throw refuse(`has sha256 ${actual}, not the expected ${expectSha}`);
  if (staged.sha256 !== undefined && actual !== staged.sha256) {
    throw refuse(`has sha256 ${actual}, not the ${staged.sha256} the server gave (it arrived damaged)`);
  }
  return actual;
}

async function download(ref: RemoteRef, staging: string, options: PullOptions): Promise<Staged> {
  const label = remoteLabel(ref);
  const hub: { url: string; file: string; sha256?: string } =
    ref.kind === "hf" ? await resolveHubRef(ref, options.signal, options.stallMs) : { url: ref.url, file: ref.file };
  const { url, file } = hub;
  const path = join(staging, file);
  const host = new URL(url).host;
  const got = await transfer(url, path, {
    headers: ref.kind === "hf" ? hubHeaders() : {},
    ...(options.signal ? { signal: options.signal } : {}),
    stallMs: options.stallMs ?? 60_000,
    onStart: (size, resumedAt) => options.onEvent?.({ type: "start", ref: label, from: host, file, size, resumedAt }),
    onProgress: (p) => options.onEvent?.({ type: "progress", ...p }),
  });
  const sha256 = hub.sha256 ?? got.linked.sha256;
  const size = got.linked.size;
  return { path, file, ...(sha256 !== undefined ? { sha256 } : {}), ...(size !== undefined ? { size } : {}) };
}
