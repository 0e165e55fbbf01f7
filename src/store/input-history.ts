/**
 * Prompts typed in the interactive chat, kept across runs. One JSON string per line, only ever
 * appended, so two parley processes can write at once; duplicates are dropped and the list is
 * bounded when it is read. The file is compacted (rewritten) only when it grows far past the bound.
 */
import {
  appendFileSync,
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { parleyPaths } from "./paths.js";
import { decodeUtf8, INPUT_LIMITS } from "./read-bounded.js";

export const HISTORY_LIMIT = 1000;
const COMPACT_AT = HISTORY_LIMIT * 4;

function parseLines(text: string): string[] {
  const entries: string[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === "string" && value.trim() !== "") entries.push(value);
    } catch {
      // A torn or foreign line: skip it.
    }
  }
  return entries;
}

/** Keeps the last occurrence of each entry, oldest first, at most `limit` of them. */
export function dedupe(entries: readonly string[], limit = HISTORY_LIMIT): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
    const entry = entries[i] as string;
    if (seen.has(entry)) continue;
    seen.add(entry);
    out.push(entry);
  }
  return out.reverse();
}

/**
 * The last `maxBytes` of a regular file, from its first whole line; "" for anything else (a
 * directory, a pipe, a device). Never blocks.
 */
function readTail(path: string, maxBytes: number): { text: string; cut: boolean } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { text: "", cut: false };
    const start = Math.max(0, st.size - maxBytes);
    const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes));
    let used = 0;
    while (used < buf.length) {
      const n = readSync(fd, buf, used, buf.length - used, start + used);
      if (n === 0) break;
      used += n;
    }
    let bytes = buf.subarray(0, used);
    if (start > 0) bytes = bytes.subarray(bytes.indexOf(0x0a) + 1);
    return { text: decodeUtf8(bytes), cut: start > 0 };
  } finally {
    closeSync(fd);
  }
}

export class InputHistory {
  constructor(readonly path: string = parleyPaths().inputHistory) {}

  /**
   * The saved prompts, oldest first; an unreadable file is an empty history. Only the last
   * `maxBytes` of the file are read; a file grown past them is compacted.
   */
  load(maxBytes: number = INPUT_LIMITS.inputHistory): string[] {
    let text: string;
    let cut: boolean;
    try {
      ({ text, cut } = readTail(this.path, maxBytes));
    } catch {
      return [];
    }
    const raw = parseLines(text);
    const entries = dedupe(raw);
    if (raw.length > COMPACT_AT || cut) this.compact(entries);
    return entries;
  }

  /** Appends one prompt. Failing to save history never stops the chat. */
  add(entry: string): void {
    if (entry.trim() === "") return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      appendFileSync(this.path, `${JSON.stringify(entry)}\n`, { encoding: "utf8", mode: 0o600 });
    } catch {
      // Read-only home, full disk: the prompt is still sent.
    }
  }

  private compact(entries: readonly string[]): void {
    const temp = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, entries.map((e) => `${JSON.stringify(e)}\n`).join(""), { mode: 0o600 });
      renameSync(temp, this.path);
    } catch {
      // Another process may be compacting too; the next load tries again.
    }
  }
}
