/**
 * Turning what the user named as a model into a file to load. Today: a path (from `-m` or
 * PARLEY_MODEL). Aliases, a models folder and downloads slot in here as more resolvers.
 */
import { openSync, readSync, closeSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ModelError, UsageError } from "../errors.js";
import { expandHome } from "../store/paths.js";

const GGUF_MAGIC = "GGUF";
/** Magic, version, tensor count and metadata count. */
const GGUF_MIN_HEADER = 24;

function readHead(path: string, length: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Checks that a model file exists and starts like a GGUF file; returns its absolute path. */
export function resolveModelPath(ref: string | undefined, origin?: string): string {
  if (ref === undefined || ref.trim() === "") {
    throw new UsageError("no model given: pass -m <file.gguf> or set PARLEY_MODEL");
  }
  if (/^(hf:|https?:\/\/)/i.test(ref)) {
    throw new UsageError(`cannot load "${ref}": downloading models is not supported; pass a local .gguf file`);
  }
  const path = resolve(expandHome(ref));
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new ModelError(`model path is a directory, not a GGUF file: ${path}`);
    size = stat.size;
  } catch (err) {
    if (err instanceof ModelError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ModelError(`${origin ? `${origin}, ` : "model file "}not found: ${path}`);
    throw new ModelError(`cannot read model file ${path}: ${code ?? (err as Error).message}`);
  }
  if (size === 0) throw new ModelError(`model file is empty: ${path}`);
  let head: Buffer;
  try {
    head = readHead(path, GGUF_MIN_HEADER);
  } catch (err) {
    throw new ModelError(
      `cannot read model file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (head.subarray(0, 4).toString("latin1") !== GGUF_MAGIC) {
    throw new ModelError(`not a GGUF model file (it does not start with "GGUF"): ${path}`);
  }
  if (head.length < GGUF_MIN_HEADER) throw new ModelError(`model file is truncated: ${path}`);
  return path;
}
