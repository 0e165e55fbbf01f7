/**
 * Text files attached to a message: `@path` in a prompt or `/file <path>`. The file's text goes
 * into the message after what was typed; the transcript shows one compact row per file.
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { UsageError } from "../../errors.js";

/** The largest file that can be attached: a small model's whole context is smaller. */
export const ATTACH_LIMIT = 100 * 1024;

export interface Attachment {
  /** As typed (relative paths stay relative). */
  path: string;
  text: string;
  bytes: number;
}

function expand(path: string, cwd: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return resolve(cwd, path);
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Reads a text file to attach; refuses folders, big files and binary files in plain words. */
export function readAttachment(path: string, cwd: string): Attachment {
  const full = expand(path, cwd);
  let size: number;
  try {
    const stat = statSync(full);
    if (stat.isDirectory()) throw new UsageError(`${path} is a folder, not a file`);
    // A pipe or a device could block or never end: only regular files are attached.
    if (!stat.isFile()) throw new UsageError(`${path} is not a regular file; only text files can be attached`);
    size = stat.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`no such file: ${path}`);
  }
  if (size > ATTACH_LIMIT) {
    throw new UsageError(`${path} is ${kib(size)}: files up to ${kib(ATTACH_LIMIT)} can be attached`);
  }
  const buffer = Buffer.alloc(size);
  const fd = openSync(full, "r");
  try {
    readSync(fd, buffer, 0, size, 0);
  } finally {
    closeSync(fd);
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(buffer);
  if (buffer.includes(0) || text.includes("\ufffd")) {
    throw new UsageError(`${path} is not a text file (binary content); only text files can be attached`);
  }
  return { path, text, bytes: size };
}

/** The compact transcript row for an attachment. */
export function attachmentRow(a: Attachment): string {
  const lines = a.text === "" ? 0 : a.text.replace(/\n$/, "").split("\n").length;
  return `[attached ${a.path} · ${lines} line${lines === 1 ? "" : "s"} · ${kib(a.bytes)}]`;
}

/** The message the model gets: what was typed, then each file between marker lines. */
export function withAttachments(text: string, attachments: readonly Attachment[]): string {
  const parts = attachments.map(
    (a) => `--- file: ${basename(a.path)} ---\n${a.text.replace(/\n$/, "")}\n--- end of ${basename(a.path)} ---`,
  );
  return [text, ...parts].filter((p) => p !== "").join("\n\n");
}

const MENTION = /(^|\s)@(\S+)/g;

/**
 * The `@path` mentions in a prompt that name files. A mention that names nothing is left as
 * text when it does not look like a path (`@alice`), and is an error when it does (`@./notes`).
 */
export function findMentions(text: string, cwd: string): Attachment[] {
  const found: Attachment[] = [];
  for (const match of text.matchAll(MENTION)) {
    const path = match[2] ?? "";
    const looksLikePath = /[/.~]/.test(path);
    let exists = false;
    try {
      statSync(expand(path, cwd));
      exists = true;
    } catch {
      exists = false;
    }
    if (exists || looksLikePath) found.push(readAttachment(path, cwd));
  }
  return found;
}

/** Paths that complete `partial` (relative to `cwd`), folders with a trailing `/`. */
export function completePath(partial: string, cwd: string): string[] {
  const slash = partial.lastIndexOf("/");
  const dirPart = slash === -1 ? "" : partial.slice(0, slash + 1);
  const prefix = slash === -1 ? partial : partial.slice(slash + 1);
  const dir = dirPart === "" ? cwd : expand(dirPart, cwd);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && (prefix.startsWith(".") || !n.startsWith(".")))
    .sort()
    .map((n) => {
      let folder = false;
      try {
        folder = statSync(join(dir, n)).isDirectory();
      } catch {
        folder = false;
      }
      return `${dirPart}${n}${folder ? "/" : ""}`;
    });
}
