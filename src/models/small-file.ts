/**
 * The small files of the models folder (`aliases.json`, `.origins.json`): read without ever
 * waiting on a pipe or a device and never past their size limit; written whole, privately, through
 * a temporary file and a rename.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { fsReason, kindOf, RuntimeError, UsageError } from "../errors.js";
import { replaceWhole } from "../store/paths.js";

/** The largest `aliases.json` and `.origins.json` parley reads (README, "Input limits"). */
export const SMALL_FILE_LIMIT = 1024 * 1024;

/** The file's text; undefined when it does not exist. A pipe, a device or a file over the limit is refused. */
export function readSmallFile(path: string, what: string, maxBytes = SMALL_FILE_LIMIT): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new UsageError(`cannot read ${what} ${path}: ${fsReason(err)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`cannot read ${what} ${path}: it is ${kindOf(st)}, not a file`);
    if (st.size > maxBytes) throw new UsageError(`cannot read ${what} ${path}: it is larger than 1 MiB`);
    const buf = Buffer.alloc(st.size);
    let at = 0;
    while (at < buf.length) {
      const n = readSync(fd, buf, at, buf.length - at, at);
      if (n === 0) break;
      at += n;
    }
    return buf.subarray(0, at).toString("utf8");
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${what} ${path}: ${fsReason(err)}`);
  } finally {
    closeSync(fd);
  }
}

/** Replaces the file with `text`, mode 0600, all at once. */
export function writeSmallFile(path: string, text: string): void {
  try {
    replaceWhole(path, text, 0o600);
  } catch (err) {
    throw new RuntimeError(`cannot write ${path}: ${fsReason(err)}`);
  }
}
