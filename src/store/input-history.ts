/**
 * Prompts typed in the interactive chat, kept across runs. One JSON string per line, only ever
 * appended, so two parley processes can write at once; duplicates are dropped and the list is
 * bounded when it is read. The file is compacted (rewritten) only when it grows far past the bound.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parleyPaths } from "./paths.js";

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

export class InputHistory {
  constructor(readonly path: string = parleyPaths().inputHistory) {}

  /** The saved prompts, oldest first; an unreadable file is an empty history. */
  load(): string[] {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      return [];
    }
    const raw = parseLines(text);
    const entries = dedupe(raw);
    if (raw.length > COMPACT_AT) this.compact(entries);
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
