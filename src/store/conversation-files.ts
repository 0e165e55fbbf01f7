/** Where conversation files are, and turning a (prefix of an) id into one of them. */
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { readDirIfExists } from "./files.js";
import { parleyPaths } from "./paths.js";

export const CONVERSATION_EXT = ".jsonl";
const ID_CHARS = /^[0-9a-z]+$/;

export function conversationsDir(): string {
  return parleyPaths().conversations;
}

export function conversationPath(id: string, dir = conversationsDir()): string {
  return join(dir, `${id}${CONVERSATION_EXT}`);
}

/** The ids of every conversation file in `dir` (none when it does not exist). */
export function conversationIds(dir = conversationsDir()): string[] {
  const names = readDirIfExists(dir);
  return names
    .filter((n) => n.endsWith(CONVERSATION_EXT))
    .map((n) => n.slice(0, -CONVERSATION_EXT.length))
    .filter((id) => ID_CHARS.test(id))
    .sort();
}

/** The full id for an id or a unique prefix of one; a usage error when none or several match. */
export function resolveConversationId(prefix: string, dir = conversationsDir()): string {
  const wanted = prefix.trim().toLowerCase();
  const ids = ID_CHARS.test(wanted) ? conversationIds(dir) : [];
  if (ids.includes(wanted)) return wanted;
  const matches = ids.filter((id) => id.startsWith(wanted));
  if (matches.length === 1 && matches[0] !== undefined) return matches[0];
  if (matches.length === 0) {
    throw new UsageError(`no conversation "${prefix}" (see "parley history list")`);
  }
  const shown = matches.slice(0, 5).join(", ") + (matches.length > 5 ? ", …" : "");
  throw new UsageError(
    `ambiguous id "${prefix}": it starts ${matches.length} conversations (${shown}); give more characters`,
  );
}
