/** Checking that a local model file exists and starts like a GGUF file, without reading it all. */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { kindOf, ModelError } from "../errors.js";

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

/** Returns `path` when it is a readable file that starts like GGUF; otherwise a ModelError. */
export function checkModelFile(path: string): string {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ModelError(`model path is ${kindOf(stat)}, not a GGUF file: ${path}`);
    size = stat.size;
  } catch (err) {
    if (err instanceof ModelError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ModelError(`model file not found: ${path}`);
    if (code === "EACCES") throw new ModelError(`model file cannot be read (permission denied): ${path}`);
    throw new ModelError(`model file cannot be read: ${path}`);
  }
  if (size === 0) throw new ModelError(`model file is empty: ${path}`);
  let head: Buffer;
  try {
    head = readHead(path, GGUF_MIN_HEADER);
  } catch {
    throw new ModelError(`model file cannot be read: ${path}`);
  }
  if (head.subarray(0, 4).toString("latin1") !== "GGUF") {
    throw new ModelError(`not a GGUF model file (it does not start with "GGUF"): ${path}`);
  }
  if (head.length < GGUF_MIN_HEADER) throw new ModelError(`model file is truncated: ${path}`);
  return path;
}
