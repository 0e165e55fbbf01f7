/** Reading, listing, searching, renaming and removing saved conversations. */
import { closeSync, constants, openSync, readdirSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ParleyError, RuntimeError, UsageError } from "../errors.js";
import { oneLine, parseConversationText, titleOf, type ParsedConversation } from "./conversation-records.js";
import { conversationIds, conversationPath, conversationsDir, resolveConversationId } from "./conversation-files.js";
import { endsWithNewline } from "./files.js";
import { conversationLockPath } from "./conversation-lock.js";
import { acquireLockSync, LockBusyError, type ReleaseLock } from "./owner-lock.js";
import { INPUT_LIMITS, readStoreFile } from "./read-bounded.js";
import { fileErrorText, parleyPaths, readErrorText, writeErrorText } from "./paths.js";

export interface Conversation extends ParsedConversation {
  id: string;
  path: string;
  title: string;
  /** The model file's name, from the latest resume mark or the header. */
  model: string;
  created: string;
  /**
   * The time of the latest message, else the conversation's start, else the file's last change.
   * Renames and resume marks do not count: they do not change which conversation `-c` continues.
   */
  lastActivity: string;
}

/** One row of `history list`. */
export interface ConversationSummary {
  id: string;
  title: string;
  model: string;
  messages: number;
  created: string;
  lastActivity: string;
  torn: boolean;
  /** Why the file cannot be read as a conversation, when it cannot. */
  damaged?: string;
}

/** The file's text: never a pipe or a device (refused at once, not waited on), never over its limit. */
function readText(path: string): string {
  try {
    return readStoreFile(path, "conversation", INPUT_LIMITS.conversation);
  } catch (err) {
    throw new RuntimeError(err instanceof ParleyError ? err.message : readErrorText("conversation", path, err));
  }
}

/** Reads one conversation by its full id. Damage is reported in the result, not thrown. */
export function readConversationFile(id: string, dir = conversationsDir()): Conversation {
  const path = conversationPath(id, dir);
  const parsed = parseConversationText(readText(path));
  const times = parsed.messages.map((r) => r.time).sort();
  const fileTime = (): string => statSync(path).mtime.toISOString();
  return {
    ...parsed,
    id,
    path,
    title: titleOf(parsed),
    model: parsed.resumes.at(-1)?.model.name ?? parsed.header?.model.name ?? "?",
    created: parsed.header?.created ?? fileTime(),
    lastActivity: times.at(-1) ?? parsed.header?.created ?? fileTime(),
  };
}

/** Reads the conversation an id or unique id prefix names. */
export function readConversation(idOrPrefix: string, dir = conversationsDir()): Conversation {
  return readConversationFile(resolveConversationId(idOrPrefix, dir), dir);
}

export function summarize(c: Conversation): ConversationSummary {
  const s: ConversationSummary = {
    id: c.id,
    title: c.title,
    model: c.model,
    messages: c.messages.length,
    created: c.created,
    lastActivity: c.lastActivity,
    torn: c.torn,
  };
  if (c.damaged) s.damaged = c.damaged;
  return s;
}

/** The conversation ids in `dir`; a folder that cannot be read is told in words. */
function idsIn(dir: string): string[] {
  try {
    return conversationIds(dir);
  } catch (err) {
    throw new RuntimeError(`cannot read the conversations folder ${dir}: ${fileErrorText(err, "folder")}`);
  }
}

/** Every conversation, latest message first. A file that cannot be read at all is listed as damaged. */
export function listConversations(dir = conversationsDir()): ConversationSummary[] {
  const out = idsIn(dir).map((id): ConversationSummary => {
    try {
      return summarize(readConversationFile(id, dir));
    } catch (err) {
      const time = new Date(0).toISOString();
      return {
        id,
        title: "",
        model: "?",
        messages: 0,
        created: time,
        lastActivity: time,
        torn: false,
        damaged: err instanceof ParleyError ? err.message : fileErrorText(err),
      };
    }
  });
  return out.sort((a, b) => b.lastActivity.localeCompare(a.lastActivity) || a.id.localeCompare(b.id));
}

/** The conversation with the latest message, if there is one that is not damaged. */
export function latestConversationId(dir = conversationsDir()): string | undefined {
  return listConversations(dir).find((c) => !c.damaged)?.id;
}

export interface SearchHit {
  conversation: ConversationSummary;
  /** The first matching line, shortened. */
  snippet: string;
}

/** Conversations whose title or messages contain `text` (case-insensitive). */
export function searchConversations(text: string, dir = conversationsDir()): SearchHit[] {
  const needle = text.toLowerCase();
  if (needle.trim() === "") throw new UsageError("history search needs a text to look for");
  const hits: SearchHit[] = [];
  for (const summary of listConversations(dir)) {
    if (summary.damaged && summary.messages === 0) continue;
    let c: Conversation;
    try {
      c = readConversationFile(summary.id, dir);
    } catch {
      continue;
    }
    const texts = [c.title, ...c.messages.map((m) => m.content)];
    const found = texts.find((t) => t.toLowerCase().includes(needle));
    if (found === undefined) continue;
    const at = found.toLowerCase().indexOf(needle);
    const lineStart = found.lastIndexOf("\n", at) + 1;
    hits.push({ conversation: summary, snippet: oneLine(found.slice(lineStart), 80) });
  }
  return hits;
}

/** Appends a rename record; the file is never rewritten. Returns the full id. */
export function renameConversation(idOrPrefix: string, title: string, dir = conversationsDir()): string {
  const clean = title.replace(/\s+/g, " ").trim();
  if (clean === "") throw new UsageError("the new title is empty");
  const id = resolveConversationId(idOrPrefix, dir);
  const path = conversationPath(id, dir);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
  } catch (err) {
    throw new RuntimeError(writeErrorText(path, err));
  }
  try {
    const torn = !endsWithNewline(path);
    const record = JSON.stringify({ type: "rename", time: new Date().toISOString(), title: clean });
    writeSync(fd, `${torn ? "\n" : ""}${record}\n`);
  } finally {
    closeSync(fd);
  }
  return id;
}

/** Removes a conversation's snapshots (files in the snapshots folder named after its id). */
function removeSnapshots(id: string): void {
  const dir = parleyPaths().snapshots;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === id || name.startsWith(`${id}.`)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** Deletes a conversation (and its snapshots). Returns the full id. */
/**
 * Deletes a conversation and its model state. One that another parley has open (it holds the
 * conversation's lock) is refused, naming it: that parley would go on writing a file that is gone.
 */
export function removeConversation(idOrPrefix: string, dir = conversationsDir()): string {
  const id = resolveConversationId(idOrPrefix, dir);
  let release: ReleaseLock;
  try {
    release = acquireLockSync(conversationLockPath(id, dir), `conversation ${id}`, { timeoutMs: 0 });
  } catch (err) {
    if (!(err instanceof LockBusyError)) throw err;
    const pid = /\(process (\d+)\)/.exec(err.message)?.[1];
    throw new UsageError(
      `conversation ${id} is open in another parley${pid ? ` (process ${pid})` : ""}: leave that chat first, then remove it`,
    );
  }
  try {
    rmSync(conversationPath(id, dir), { force: true });
    removeSnapshots(id);
  } finally {
    release();
  }
  return id;
}

/** Deletes every conversation; returns how many there were. */
export function clearConversations(dir = conversationsDir()): number {
  const ids = idsIn(dir);
  for (const id of ids) {
    rmSync(conversationPath(id, dir), { force: true });
    removeSnapshots(id);
  }
  return ids.length;
}
