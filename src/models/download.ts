/**
 * Pulling a model into the models folder: a staging folder per reference under `.downloads`, a
 * lock so two pulls of one file never write it at once, a resumable transfer, the GGUF and sha256
 * checks, and the final rename that makes a model appear only when it is whole.
 */
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { ModelError, RuntimeError, UsageError } from "../errors.js";
import { DOWNLOADS_DIR } from "./folder.js";
import { GgufFormatError, readGgufHeader } from "./gguf-header.js";
import { hubHeaders, resolveHubRef } from "./hub.js";
import { ResumableError, transfer } from "./transfer.js";
import type { ModelRef } from "./refs.js";

export type RemoteRef = Extract<ModelRef, { kind: "hf" | "url" }>;

export type PullEvent =
  | { type: "resolving"; ref: string }
  | { type: "start"; ref: string; from: string; file: string; size: number; resumedAt: number }
  | { type: "progress"; done: number; total: number; speed: number; secondsLeft: number }
  | { type: "waiting"; pid: number }
  | { type: "checking" }
  | { type: "done"; path: string; size: number };

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
}

const ORIGINS_FILE = ".origins.json";

export function remoteLabel(ref: RemoteRef): string {
  return ref.kind === "hf" ? ref.ref : ref.url;
}

/** Where each pulled reference was saved: reference → file name in the folder. */
export function readOrigins(folder: string): Record<string, string> {
  try {
    const data: unknown = JSON.parse(readFileSync(join(folder, ORIGINS_FILE), "utf8"));
    if (typeof data !== "object" || data === null) return {};
    return Object.fromEntries(Object.entries(data).filter((e): e is [string, string] => typeof e[1] === "string"));
  } catch {
    return {};
  }
}

function recordOrigin(folder: string, ref: string, file: string): void {
  const origins = { ...readOrigins(folder), [ref]: file };
  const path = join(folder, ORIGINS_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(origins, undefined, 2)}\n`);
  renameSync(tmp, path);
}

/** Forgets the references that were saved as `file` (after it is deleted). */
export function forgetOrigins(folder: string, file: string): void {
  const origins = readOrigins(folder);
  const kept = Object.fromEntries(Object.entries(origins).filter(([, f]) => f !== file));
  if (Object.keys(kept).length === Object.keys(origins).length) return;
  const path = join(folder, ORIGINS_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(kept, undefined, 2)}\n`);
  renameSync(tmp, path);
}

/** The local file a remote reference was (or will be) saved as, when that is known without the network. */
export function localFileFor(folder: string, ref: RemoteRef): string | undefined {
  const recorded = readOrigins(folder)[remoteLabel(ref)];
  if (recorded !== undefined && existsSync(join(folder, recorded))) return join(folder, recorded);
  if (ref.kind === "url" && existsSync(join(folder, ref.file))) return join(folder, ref.file);
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Takes the lock of one download; waits while another live process holds it. */
async function lock(path: string, options: PullOptions): Promise<() => void> {
  let told = false;
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const pid = Number.parseInt(readFileSafe(path), 10);
    if (Number.isInteger(pid) ? !alive(pid) : Date.now() - mtime(path) > 5000) {
      rmSync(path, { force: true });
      continue;
    }
    if (!told && Number.isInteger(pid)) {
      options.onEvent?.({ type: "waiting", pid });
      told = true;
    }
    if (options.signal?.aborted) throw new RuntimeError("the download was stopped");
    await sleep(200, options.signal);
  }
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
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
  mkdirSync(staging, { recursive: true });
  const release = await lock(`${staging}.lock`, options);
  try {
    const already = localFileFor(options.folder, ref);
    if (already) return await found(already);
    if (ref.kind === "hf") options.onEvent?.({ type: "resolving", ref: label });
    let staged: { path: string; file: string };
    try {
      staged = await download(ref, staging, options);
    } catch (err) {
      // Keep a partial transfer for the next pull to resume; drop a staging folder with nothing in it.
      if (!(err instanceof ResumableError)) rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    options.onEvent?.({ type: "checking" });
    try {
      await readGgufHeader(staged.path);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      const why = err instanceof GgufFormatError ? err.message : "it cannot be read";
      throw new ModelError(`the file from ${label} is not a usable GGUF model (${why}); nothing was saved`);
    }
    if (expectSha !== undefined) {
      const actual = await sha256File(staged.path);
      if (actual !== expectSha) {
        rmSync(staging, { recursive: true, force: true });
        throw new ModelError(
          `the file from ${label} has sha256 ${actual}, not the expected ${expectSha}; nothing was saved`,
        );
      }
    }
    const finalPath = join(options.folder, staged.file);
    if (existsSync(finalPath)) {
      rmSync(staging, { recursive: true, force: true });
      throw new ModelError(
        `a different model named ${staged.file} is already in the models folder; remove it first (parley models rm ${staged.file})`,
      );
    }
    renameSync(staged.path, finalPath);
    recordOrigin(options.folder, label, staged.file);
    rmSync(staging, { recursive: true, force: true });
    options.onEvent?.({ type: "done", path: finalPath, size: statSync(finalPath).size });
    return { path: finalPath, file: staged.file, existed: false };
  } finally {
    release();
  }
}

async function download(
  ref: RemoteRef,
  staging: string,
  options: PullOptions,
): Promise<{ path: string; file: string }> {
  const label = remoteLabel(ref);
  const { url, file } = ref.kind === "hf" ? await resolveHubRef(ref, options.signal) : { url: ref.url, file: ref.file };
  const path = join(staging, file);
  const host = new URL(url).host;
  await transfer(url, path, {
    headers: ref.kind === "hf" ? hubHeaders() : {},
    ...(options.signal ? { signal: options.signal } : {}),
    stallMs: options.stallMs ?? 60_000,
    onStart: (size, resumedAt) => options.onEvent?.({ type: "start", ref: label, from: host, file, size, resumedAt }),
    onProgress: (p) => options.onEvent?.({ type: "progress", ...p }),
  });
  return { path, file };
}
