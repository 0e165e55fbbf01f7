/**
 * Instant resume: when a conversation is left, its context state is saved beside it; when it is
 * resumed with the same model file, template and context size, and the conversation still starts
 * with the saved tokens, the state is loaded instead of re-reading the conversation. Anything
 * else (a missing, foreign, stale or damaged snapshot) falls back to re-evaluation: these
 * functions never throw.
 */
import { chmod, copyFile, link, rename, rm, stat } from "node:fs/promises";
import type { Message } from "../chat/types.js";
import type { ChatEngine } from "../engine/engine.js";
import type { ModelIdentity } from "../store/conversation-records.js";
import { ensureDir, FILE_MODE, readTextIfExists, writeFileAtomic } from "../store/files.js";
import { removeLeftovers } from "../store/leftovers.js";
import {
  fileSha256,
  isSnapshotId,
  pruneSnapshots,
  removeStaleTemps,
  snapshotPath,
  snapshotGroups,
  snapshotsDir,
  snapshotTempPath,
  touchSnapshot,
} from "../store/snapshots.js";
import { viewOf } from "./context-policy.js";
import { commonPrefix, parseSnapshotMeta, sameModel, SNAPSHOT_VERSION, type SnapshotMeta } from "./snapshot-meta.js";

/**
 * The share of a snapshot's tokens the conversation must still start with for the snapshot to be
 * loaded. The tokens after the shared part (a last reply that was edited, or that tokenizes
 * differently when rendered again) are dropped after loading; loading costs far less than
 * evaluating, so a snapshot is worth loading whenever most of it is still valid.
 */
export const MIN_SHARED_PART = 0.5;

/** Temporary files older than this were left by a process that stopped while saving or loading. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export interface SaveSnapshotOptions {
  conversationId: string;
  /** The identity of the model file in use (`modelIdentity(path)`). */
  model: ModelIdentity;
  /** The chat template in use (`engine.info.template`). */
  template: string;
  /** The disk cap of all snapshots together; older ones are pruned to stay under it. */
  capBytes: number;
  /** Saved by a one-shot run: one-shot snapshots are also kept under this smaller cap together. */
  oneShotCapBytes?: number;
  /** The first message after the system prompt the context holds, when older ones were left out. */
  keepFrom?: number;
  /** The snapshots folder; the configured one by default. */
  dir?: string;
}

export interface SaveSnapshotResult {
  /** "empty": the context holds nothing (an existing snapshot is kept); "over-cap": it alone exceeds the cap. */
  outcome: "saved" | "empty" | "over-cap" | "unsupported" | "failed";
  tokens: number;
  bytes: number;
  /** Conversations whose snapshots were removed to stay under the cap. */
  pruned: string[];
  /** Why saving failed. */
  error?: string;
}

export interface RestoreSnapshotOptions {
  conversationId: string;
  model: ModelIdentity;
  template: string;
  /** The conversation as it will be sent next (with or without the new user message). */
  messages: readonly Message[];
  dir?: string;
}

export type RestoreOutcome =
  | "loaded"
  | "missing"
  | "model-mismatch"
  | "template-mismatch"
  | "context-mismatch"
  | "attention-mismatch"
  | "prefix-mismatch"
  | "damaged"
  | "unsupported";

export interface RestoreSnapshotResult {
  outcome: RestoreOutcome;
  /** Prompt tokens that need no evaluation thanks to the snapshot (0 unless loaded). */
  reusedTokens: number;
  /** What was wrong, for --debug output. */
  detail?: string;
  /**
   * Loaded with messages left out: the first message after the system prompt the state holds.
   * The conversation must leave out the same ones, or its next prompt is not the state's.
   */
  keepFrom?: number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Saves the engine's context state for a conversation. Call it when the conversation is left. */
export async function saveSnapshot(engine: ChatEngine, options: SaveSnapshotOptions): Promise<SaveSnapshotResult> {
  const result: SaveSnapshotResult = { outcome: "unsupported", tokens: 0, bytes: 0, pruned: [] };
  const state = engine.state;
  if (!state) return result;
  const { conversationId: id } = options;
  if (!isSnapshotId(id)) return { ...result, outcome: "failed", error: `invalid conversation id "${id}"` };
  const dir = options.dir ?? snapshotsDir();
  let temp: string | undefined;
  try {
    ensureDir(dir);
    // Files left by a parley that was killed while saving are removed first.
    removeLeftovers(dir);
    temp = snapshotTempPath(id, "state", dir);
    const saved = await state.saveState(temp);
    result.tokens = saved.tokens.length;
    result.bytes = (await stat(temp)).size;
    if (saved.tokens.length === 0) return { ...result, outcome: "empty" };
    if (result.bytes > options.capBytes) return { ...result, outcome: "over-cap" };
    await chmod(temp, FILE_MODE);
    const meta: SnapshotMeta = {
      version: SNAPSHOT_VERSION,
      conversationId: id,
      model: options.model,
      template: options.template,
      contextSize: engine.info.contextSize,
      tokens: saved.tokens,
      stateBytes: result.bytes,
      stateSha256: await fileSha256(temp),
      created: new Date().toISOString(),
      ...(options.oneShotCapBytes !== undefined ? { oneShot: true } : {}),
      ...(engine.info.attention ? { attention: engine.info.attention } : {}),
      ...(options.keepFrom ? { keepFrom: options.keepFrom } : {}),
    };
    // The state goes first: until the new meta is in place, the pair does not match and a
    // reader falls back to re-evaluation.
    await rename(temp, snapshotPath(id, "state", dir));
    temp = undefined;
    writeFileAtomic(snapshotPath(id, "json", dir), `${JSON.stringify(meta)}\n`);
    removeStaleTemps(id, STALE_TEMP_MS, dir);
    result.pruned = pruneSnapshots(options.capBytes, [id], dir);
    if (options.oneShotCapBytes !== undefined) {
      const oneShot = new Set(
        snapshotGroups(dir)
          .filter((g) => parseSnapshotMeta(readTextIfExists(snapshotPath(g.id, "json", dir)) ?? "")?.oneShot === true)
          .map((g) => g.id),
      );
      result.pruned.push(...pruneSnapshots(options.oneShotCapBytes, [id], dir, (g) => oneShot.has(g.id)));
    }
    return { ...result, outcome: "saved" };
  } catch (err) {
    return { ...result, outcome: "failed", error: message(err) };
  } finally {
    if (temp !== undefined) await removeQuietly(temp);
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await rm(path, { force: true });
  } catch {
    // Left for removeStaleTemps.
  }
}

/** The attention kernels a conversation's snapshot was made with, if it has one that says so. */
export function snapshotAttention(conversationId: string, dir = snapshotsDir()): SnapshotMeta["attention"] {
  return savedMeta(conversationId, dir)?.attention;
}

/** The context size a conversation's saved state was made with, if it has one: it loads only into the same. */
export function snapshotContextSize(conversationId: string, dir = snapshotsDir()): number | undefined {
  return savedMeta(conversationId, dir)?.contextSize;
}

function savedMeta(conversationId: string, dir: string): SnapshotMeta | undefined {
  if (!isSnapshotId(conversationId)) return undefined;
  try {
    return parseSnapshotMeta(readTextIfExists(snapshotPath(conversationId, "json", dir)) ?? "");
  } catch {
    return undefined;
  }
}

/** Reads and checks the meta; the outcome when the snapshot cannot be used. */
function readMeta(
  engine: ChatEngine,
  options: RestoreSnapshotOptions,
  dir: string,
): SnapshotMeta | RestoreSnapshotResult {
  const fail = (outcome: RestoreOutcome, detail: string): RestoreSnapshotResult => ({
    outcome,
    reusedTokens: 0,
    detail,
  });
  let text: string | undefined;
  try {
    text = readTextIfExists(snapshotPath(options.conversationId, "json", dir));
  } catch (err) {
    return fail("damaged", message(err));
  }
  if (text === undefined) return fail("missing", "no snapshot");
  const meta = parseSnapshotMeta(text);
  if (!meta || meta.conversationId !== options.conversationId) return fail("damaged", "unreadable description");
  if (!sameModel(meta.model, options.model)) return fail("model-mismatch", `saved with ${meta.model.name}`);
  if (meta.template !== options.template) return fail("template-mismatch", `saved with ${meta.template}`);
  if (meta.contextSize !== engine.info.contextSize)
    return fail("context-mismatch", `saved with a context of ${meta.contextSize}`);
  if (meta.attention && engine.info.attention && meta.attention !== engine.info.attention)
    return fail("attention-mismatch", `saved with ${meta.attention} attention`);
  return meta;
}

/**
 * Loads a conversation's saved context state into the engine when it fits the conversation, so
 * the next reply starts from it. Call it on resume, before the first `generate`.
 */
export async function restoreSnapshot(
  engine: ChatEngine,
  options: RestoreSnapshotOptions,
): Promise<RestoreSnapshotResult> {
  const { state: saving, tokens: counting } = engine;
  if (!saving || !counting) return { outcome: "unsupported", reusedTokens: 0 };
  if (!isSnapshotId(options.conversationId)) return { outcome: "missing", reusedTokens: 0 };
  const dir = options.dir ?? snapshotsDir();
  const meta = readMeta(engine, options, dir);
  if (!("tokens" in meta)) return meta;
  // A state saved with the oldest messages left out holds that view of the conversation.
  const { messages } = options;
  const keepFrom = meta.keepFrom !== undefined && meta.keepFrom <= messages.length ? meta.keepFrom : undefined;
  const view = keepFrom ? viewOf(messages, messages[0]?.role === "system" ? 1 : 0, keepFrom) : messages;
  let prompt: number[];
  try {
    prompt = counting.promptTokens(view);
  } catch (err) {
    return { outcome: "prefix-mismatch", reusedTokens: 0, detail: message(err) };
  }
  const shared = commonPrefix(meta.tokens, prompt);
  if (shared === 0 || shared < meta.tokens.length * MIN_SHARED_PART) {
    return { outcome: "prefix-mismatch", reusedTokens: 0, detail: `${shared} of ${meta.tokens.length} tokens match` };
  }
  // A private name for the very file that is checked, so a concurrent save cannot swap it.
  const state = snapshotPath(options.conversationId, "state", dir);
  const loading = snapshotTempPath(options.conversationId, "load", dir);
  try {
    try {
      await link(state, loading);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { outcome: "missing", reusedTokens: 0 };
      await copyFile(state, loading);
    }
    const bytes = (await stat(loading)).size;
    if (bytes !== meta.stateBytes || (await fileSha256(loading)) !== meta.stateSha256) {
      return { outcome: "damaged", reusedTokens: 0, detail: "the state file does not match its description" };
    }
    await saving.restoreState(loading, meta.tokens);
  } catch (err) {
    return { outcome: "damaged", reusedTokens: 0, detail: message(err) };
  } finally {
    await removeQuietly(loading);
  }
  touchSnapshot(options.conversationId, dir);
  return { outcome: "loaded", reusedTokens: shared, ...(keepFrom ? { keepFrom } : {}) };
}
