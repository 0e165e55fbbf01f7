/**
 * The small JSON file that describes a saved context state: which model file, template and
 * context size made it, the exact tokens it holds, and the size and hash of the state file, so
 * a state is loaded only when it is intact and belongs to the model in use.
 */
import type { ModelIdentity } from "../store/conversation-records.js";

export const SNAPSHOT_VERSION = 1;

export interface SnapshotMeta {
  version: typeof SNAPSHOT_VERSION;
  conversationId: string;
  model: ModelIdentity;
  template: string;
  contextSize: number;
  /** The tokens the saved context holds, in order. */
  tokens: number[];
  stateBytes: number;
  /** SHA-256 of the whole state file, hex. */
  stateSha256: string;
  /** ISO 8601. */
  created: string;
  /** Saved by a one-shot run: such snapshots also share a smaller cap of their own. */
  oneShot?: boolean;
  /** The attention kernels of the context that made it; a state loads only into the same kind. */
  attention?: "flash" | "standard";
  /**
   * The first message after the system prompt the saved context holds, when older ones had been
   * left out to fit it (the context policy "drop"): the state is the tokens of that view.
   */
  keepFrom?: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** The meta described by `text`, or undefined when it is not valid JSON of the expected shape. */
export function parseSnapshotMeta(text: string): SnapshotMeta | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.version !== SNAPSHOT_VERSION) return undefined;
  const { conversationId, model, template, contextSize, tokens, stateBytes, stateSha256, created } = value;
  if (typeof conversationId !== "string" || typeof template !== "string" || typeof created !== "string")
    return undefined;
  if (!isObject(model) || typeof model.name !== "string" || typeof model.path !== "string") return undefined;
  if (!isCount(contextSize) || !isCount(stateBytes)) return undefined;
  if (typeof stateSha256 !== "string" || !/^[0-9a-f]{64}$/.test(stateSha256)) return undefined;
  if (!Array.isArray(tokens) || !tokens.every(isCount)) return undefined;
  if (value.keepFrom !== undefined && !isCount(value.keepFrom)) return undefined;
  return value as unknown as SnapshotMeta;
}

/** Whether two identities name the same model file: same size, modification time and leading bytes. */
export function sameModel(a: ModelIdentity, b: ModelIdentity): boolean {
  return (
    a.size !== undefined &&
    a.mtime !== undefined &&
    a.sha256_1mb !== undefined &&
    a.size === b.size &&
    a.mtime === b.mtime &&
    a.sha256_1mb === b.sha256_1mb
  );
}

/** How many leading tokens two lists share. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
