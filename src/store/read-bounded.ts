/**
 * Reading a file a user named, bounded: a regular file up to a size limit, a character device
 * (`/dev/null`, `/dev/zero`) for at most the limit plus one byte, and nothing else (a directory,
 * a pipe, a socket), without ever blocking. The text is UTF-8; a leading byte-order mark is dropped
 * and invalid bytes become U+FFFD.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { fsReason, kindOf, UsageError } from "../errors.js";

const MiB = 1024 * 1024;

/** The most bytes parley reads from each kind of input (documented in README.md). */
export const INPUT_LIMITS = {
  /** `--messages` file, and stdin. */
  messages: 16 * MiB,
  stdin: 16 * MiB,
  /** `--system-file`. */
  systemFile: 1 * MiB,
  /** `--schema` file. */
  schema: 1 * MiB,
  /** `prompts add --file`, `prompts edit --file`, and text back from the editor. */
  promptFile: 1 * MiB,
  /** config.json. */
  config: 1 * MiB,
  /** presets.json. */
  presets: 16 * MiB,
  /** One saved conversation (JSONL). */
  conversation: 256 * MiB,
  /** The chat input history. */
  inputHistory: 16 * MiB,
} as const;

/** A size in words: "16 MiB", "512 KiB", "100 bytes". */
export function sizeWords(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });

/** Decodes UTF-8 bytes as parley reads every input: BOM dropped, bad bytes replaced. */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

function refuse(what: string, path: string, reason: string): UsageError {
  return new UsageError(`cannot read ${what} ${path}: ${reason}`);
}

function readOpen(fd: number, what: string, path: string, maxBytes: number, devices = true): string {
  const st = fstatSync(fd);
  const regular = st.isFile();
  if (!regular && !(devices && st.isCharacterDevice())) throw refuse(what, path, `it is ${kindOf(st)}, not a file`);
  const tooLarge = (): UsageError => refuse(what, path, `it is larger than the ${sizeWords(maxBytes)} limit`);
  if (regular && st.size > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  // Reads at most one byte more than allowed: enough to tell "at the limit" from "over it".
  for (;;) {
    const room = maxBytes + 1 - total;
    if (room <= 0) throw tooLarge();
    const buf = Buffer.allocUnsafe(Math.min(room, Math.max(regular ? st.size + 1 : 0, 64 * 1024)));
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      throw refuse(what, path, fsReason(err));
    }
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
  }
  return decodeUtf8(Buffer.concat(chunks, total));
}

function openForReading(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
}

/**
 * The text of a file parley keeps (a conversation, the input history): only a regular file, up to
 * `maxBytes`; a device, a pipe or a folder in its place is refused at once, never read or waited on.
 */
export function readStoreFile(path: string, what: string, maxBytes: number): string {
  const text = readTextFileBoundedIfExists(path, what, maxBytes, false);
  if (text === undefined) throw refuse(what, path, fsReason({ code: "ENOENT" }));
  return text;
}

/**
 * The text of the file at `path`, which a user named; `what` names it in errors ("schema file").
 * Refuses, with one plain line: a missing or unreadable file, a directory, a pipe, a socket, and
 * anything larger than `maxBytes`. Never blocks waiting for a writer.
 */
export function readTextFileBounded(path: string, what: string, maxBytes: number): string {
  const text = readTextFileBoundedIfExists(path, what, maxBytes);
  if (text === undefined) throw refuse(what, path, fsReason({ code: "ENOENT" }));
  return text;
}

/** Like `readTextFileBounded`, but undefined when the file does not (and cannot) exist. */
export function readTextFileBoundedIfExists(
  path: string,
  what: string,
  maxBytes: number,
  devices = true,
): string | undefined {
  let fd: number;
  try {
    fd = openForReading(path);
  } catch (err) {
    // ENOTDIR: a part of the path is a file, so this file cannot exist either.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw refuse(what, path, fsReason(err));
  }
  try {
    return readOpen(fd, what, path, maxBytes, devices);
  } finally {
    closeSync(fd);
  }
}
