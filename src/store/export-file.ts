/**
 * Writing a file a person asked for (`history export -o`, `/export`). An existing file is not
 * replaced unless asked (`force`). The text goes to a temporary file in the same folder, flushed,
 * then renamed into place, so a full disk or a cut leaves the old file or nothing, never half a
 * file. A device or a pipe named as the file (`/dev/stdout`) is written to directly.
 */
import { closeSync, openSync, realpathSync, statSync } from "node:fs";
import { basename } from "node:path";
import { UsageError } from "../errors.js";
import { writeAllSync } from "./files.js";
import { replaceWhole, writeErrorText } from "./paths.js";

function existing(path: string): { regular: boolean } | undefined {
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error("folder"), { code: "EISDIR" });
    return { regular: st.isFile() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new UsageError(writeErrorText(path, err));
  }
}

/** Writes `text` to `path`; `forceHint` says how to replace an existing file ("add --force"). */
export function writeExportFile(path: string, text: string, force: boolean, forceHint: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(basename(path))) {
    throw new UsageError("the file name contains a control character: choose another name");
  }
  const found = existing(path);
  if (found && !found.regular) {
    let fd: number | undefined;
    try {
      fd = openSync(path, "w");
      writeAllSync(fd, text);
    } catch (err) {
      throw new UsageError(writeErrorText(path, err));
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return;
  }
  if (found && !force) throw new UsageError(`${path} already exists: ${forceHint}`);
  const target = found ? realpathSync(path) : path;
  try {
    replaceWhole(target, text, 0o600);
  } catch (err) {
    throw new UsageError(writeErrorText(path, err));
  }
}
