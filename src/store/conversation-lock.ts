/**
 * One writer per conversation: `lockConversation(id)` holds `<id>.lock` beside the conversation
 * file until released. A second run on the same conversation waits (told once through `onWait`)
 * or, with a timeout, gives up with one clear line. A lock left by a killed run (its process is
 * gone) is taken over at once; locks still held when this process exits are released then.
 */
import { join } from "node:path";
import { conversationsDir } from "./conversation-files.js";
import { acquireLock, acquireLockSync, type AsyncLockOptions, type ReleaseLock } from "./owner-lock.js";

export type ConversationLockOptions = AsyncLockOptions & {
  /** The conversations folder (for tests); the configured one by default. */
  dir?: string;
};

const held = new Set<ReleaseLock>();
let exitHook = false;

function releaseAllOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on("exit", () => {
    for (const release of held) release();
  });
}

export function conversationLockPath(id: string, dir = conversationsDir()): string {
  return join(dir, `${id}.lock`);
}

/**
 * Waits until this process is the only writer of conversation `id` (a full id), then resolves to
 * the function that releases it. Rejects with a one-line error when `timeoutMs` passes first, or
 * with the signal's reason when `signal` aborts.
 */
export async function lockConversation(id: string, options: ConversationLockOptions = {}): Promise<ReleaseLock> {
  const { dir, ...lockOptions } = options;
  return remember(await acquireLock(conversationLockPath(id, dir), `conversation ${id}`, lockOptions));
}

/** Takes the lock of a conversation just created (no one else can hold it yet), without waiting. */
export function lockNewConversation(id: string, dir?: string): ReleaseLock {
  return remember(acquireLockSync(conversationLockPath(id, dir), `conversation ${id}`, { timeoutMs: 0 }));
}

/** A lock held until released, or until this process exits. */
function remember(release: ReleaseLock): ReleaseLock {
  releaseAllOnExit();
  const once: ReleaseLock = () => {
    held.delete(once);
    release();
  };
  held.add(once);
  return once;
}
