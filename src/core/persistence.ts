/**
 * Where a conversation is kept: its JSONL file (written as it happens) and its model state
 * (saved when it is left, loaded when it is resumed). A failure to write never costs the reply:
 * it is said once, in plain words, as a notice, and recording stops.
 */
import type { NoticeEvent, Reply } from "../chat/events.js";
import type { SamplingParams } from "../chat/params.js";
import type { Message } from "../chat/types.js";
import type { ChatEngine } from "../engine/engine.js";
import type { ModelIdentity } from "../store/conversation-records.js";
import { RuntimeError, UsageError } from "../errors.js";
import { existsSync } from "node:fs";
import { lockConversation, lockNewConversation } from "../store/conversation-lock.js";
import { removeSnapshot } from "../store/snapshots.js";
import { LockBusyError } from "../store/owner-lock.js";
import { modelIdentity, saveFailureMessage } from "../store/conversation-writer.js";
import { ConversationLog, type ResumedConversation } from "./recorder.js";
import { restoreSnapshot, saveSnapshot } from "./snapshot.js";

/** The snapshot disk cap when the config sets none. */
export const DEFAULT_SNAPSHOT_CAP_MB = 2048;

export interface SnapshotPolicy {
  /** The disk cap of all snapshots together, in bytes; 0: never save one. */
  capBytes: number;
  /** Save only when the context holds at least this many tokens (re-reading fewer is quick anyway). */
  minTokens: number;
  /** One-shot runs: their snapshots together stay under this smaller cap too. */
  oneShotCapBytes?: number | undefined;
}

export interface PersistenceOptions {
  /** Write the conversation as it happens (history on); `save` writes it even when off. */
  history: boolean;
  model: ModelIdentity;
  template: string;
  params: SamplingParams;
  source: "one-shot" | "chat" | "server";
  resumed?: ResumedConversation | undefined;
  snapshots: SnapshotPolicy;
}

type Notify = (event: NoticeEvent) => void;

function reason(err: unknown): string {
  return `the conversation was not saved: ${err instanceof Error ? err.message : String(err)}`;
}

/** How long a second parley waits for another that is writing the same conversation. */
export const CONVERSATION_WAIT_MS = 60_000;

/** What loading a resumed conversation's model state did. */
export interface Restored {
  /** In words, for the person. */
  notice: string;
  /** The state holds the conversation with the messages before this one (after the system prompt) left out. */
  keepFrom?: number;
}

export class Persistence {
  private log: ConversationLog | undefined;
  private failure: string | undefined;
  private told = false;
  private resumed: ResumedConversation | undefined;
  private release: (() => void) | undefined;

  constructor(private readonly options: PersistenceOptions) {
    this.resumed = options.resumed;
  }

  get id(): string | undefined {
    return this.log?.id ?? this.resumed?.id;
  }

  /** Why the conversation could not be saved, if it could not. */
  get saveFailure(): string | undefined {
    return this.failure;
  }

  /**
   * Starts recording (history on), going on with a resumed conversation's file when there is
   * one. One conversation has one writer at a time: a second parley waits for the first
   * (`onWait` says so), and gives up with a clear error after CONVERSATION_WAIT_MS.
   */
  async open(messages: readonly Message[], onWait?: (text: string) => void, signal?: AbortSignal): Promise<void> {
    if (!this.options.history) return;
    if (this.resumed && !(await this.lock(this.resumed.id, onWait, signal))) return;
    this.log = this.resumed ? this.newLog(messages, this.resumed) : this.newOwnLog(messages);
  }

  /**
   * Takes the conversation's lock. Another parley writing it is an error; a lock that cannot be
   * made (a full disk, a folder that cannot be written) is not: the conversation goes on unsaved,
   * said once as a notice like any other failure to save, and false is returned.
   */
  private async lock(id: string, onWait?: (text: string) => void, signal?: AbortSignal): Promise<boolean> {
    this.release?.();
    this.release = undefined;
    try {
      this.release = await lockConversation(id, {
        timeoutMs: CONVERSATION_WAIT_MS,
        ...(signal ? { signal } : {}),
        onWait: (pid) =>
          onWait?.(
            `another parley${pid ? ` (process ${pid})` : ""} is writing conversation ${id}: waiting for it to finish`,
          ),
      });
      return true;
    } catch (err) {
      // Given up (the chat was left while it waited): not a failure to save.
      if (signal?.aborted) throw err;
      if (err instanceof LockBusyError) {
        throw new UsageError(err.message);
      }
      this.failure = reason(err);
      return false;
    }
  }

  private newLog(messages: readonly Message[], resumed: ResumedConversation | undefined): ConversationLog {
    return new ConversationLog(messages, { ...this.options, resumed });
  }

  /**
   * The log of a new conversation. A chat holds its lock as it holds a resumed one's, so that
   * `history rm` and a second parley on it see that it is open.
   */
  private newOwnLog(messages: readonly Message[]): ConversationLog {
    const log = this.newLog(messages, undefined);
    this.release?.();
    this.release = undefined;
    if (this.options.source === "chat") {
      try {
        this.release = lockNewConversation(log.id);
      } catch {
        // A lock that cannot be made (a full disk): the file says so when it is written.
      }
    }
    return log;
  }

  private guard(notify: Notify | undefined, write: (log: ConversationLog) => void): void {
    const log = this.log;
    if (this.failure !== undefined || !log) return this.tell(notify);
    try {
      write(log);
      const failed = log.saveFailure;
      if (failed) this.failure = saveFailureMessage(failed);
    } catch (err) {
      this.failure = reason(err);
    }
    this.tell(notify);
  }

  private tell(notify: Notify | undefined): void {
    if (this.told || this.failure === undefined || !notify) return;
    this.told = true;
    notify({ type: "notice", code: "not-saved", text: this.failure });
  }

  sync(messages: readonly Message[], notify?: Notify): void {
    // Nothing is written while nothing but a system prompt was said: an empty chat leaves no file.
    // A file that holds messages is brought back to empty, though (/undo of the only exchange).
    if (!messages.some((m) => m.role !== "system") && !this.log?.wroteMessages) return;
    // Without a file (history off, or a lock that could not be made) only a failure is said.
    if (!this.log) return this.tell(notify);
    this.guard(notify, (log) => log.sync(messages));
  }

  reply(reply: Reply, messages: readonly Message[], notify?: Notify): void {
    if (this.log) this.guard(notify, (log) => log.reply(reply, messages));
    else this.tell(notify);
  }

  /** A new conversation begins (`/clear`): a new file, if history is on. */
  restart(messages: readonly Message[]): void {
    this.log?.close();
    this.release?.();
    this.release = undefined;
    this.resumed = undefined;
    this.log = this.options.history && this.failure === undefined ? this.newOwnLog(messages) : undefined;
  }

  /** Saves now, even with history off; gives it a title. Returns the id. */
  save(messages: readonly Message[], title: string): string {
    if (!messages.some((m) => m.role !== "system"))
      throw new UsageError("nothing to save yet: the conversation is empty");
    this.failure = undefined;
    this.told = false;
    let log = this.log ?? (this.resumed ? this.newLog(messages, this.resumed) : this.newOwnLog(messages));
    log.sync(messages);
    if (log.wroteMessages && !existsSync(log.path)) {
      // The file was removed under this chat (`history rm` with history off, or by hand): the
      // conversation is written again, whole, as a new one.
      log.close();
      this.resumed = undefined;
      log = this.newOwnLog(messages);
      log.sync(messages);
    }
    if (title) log.rename(title);
    this.log = log;
    const failed = log.saveFailure;
    if (failed) throw new RuntimeError(saveFailureMessage(failed));
    if (!existsSync(log.path)) throw new RuntimeError(`the conversation was not saved: ${log.path} is missing`);
    return log.id;
  }

  /**
   * Leaves the current conversation (saving its model state) and goes on with a saved one:
   * loads that one's model state when it matches, and appends to its file from now on.
   */
  async switchTo(
    engine: ChatEngine,
    leaving: readonly Message[],
    leavingKeepFrom: number,
    resumed: ResumedConversation,
  ): Promise<Restored | undefined> {
    await this.leave(engine, leaving, leavingKeepFrom);
    this.failure = undefined;
    this.told = false;
    const locked = await this.lock(resumed.id);
    this.resumed = resumed;
    const restored = await this.restore(engine, resumed.messages);
    this.log = locked ? this.newLog(resumed.messages, resumed) : undefined;
    return restored;
  }

  /**
   * Another model goes on with this conversation: the old model's state is saved, and from now
   * on the file records the new model (a resume mark).
   */
  async switchModel(
    old: ChatEngine,
    next: ChatEngine,
    model: string | ModelIdentity,
    messages: readonly Message[],
    keepFrom: number,
  ): Promise<void> {
    const id = this.id;
    const log = this.log;
    if (log) await this.saveState(old, log, messages, keepFrom);
    this.options.model = typeof model === "string" ? modelIdentity(model) : model;
    this.options.template = next.info.template;
    if (log && id && messages.some((m) => m.role !== "system")) {
      this.resumed = { id, messages: [...messages] };
      this.log = this.newLog(messages, this.resumed);
    } else if (log) {
      this.log = this.newOwnLog(messages);
    }
  }

  /** Loads the saved model state of the resumed conversation, when it matches. Says what happened. */
  async restore(engine: ChatEngine, messages: readonly Message[]): Promise<Restored | undefined> {
    const resumed = this.resumed;
    // An engine with no state of its own (a remote server) has no snapshot to load.
    if (!resumed || !engine.state) return undefined;
    const r = await restoreSnapshot(engine, {
      conversationId: resumed.id,
      model: this.options.model,
      template: engine.info.template,
      messages,
    });
    if (r.outcome !== "loaded")
      return { notice: `resume: no usable snapshot (${describe(r.outcome)}), so the conversation is read again` };
    return {
      notice: `resume: snapshot loaded, ${r.reusedTokens} prompt tokens reused`,
      ...(r.keepFrom ? { keepFrom: r.keepFrom } : {}),
    };
  }

  /**
   * The conversation is left: saves its model state beside it, when worth it. `keepFrom`: the
   * first message after the system prompt the model sees (older ones were left out). Never throws.
   */
  async leave(engine: ChatEngine, messages: readonly Message[], keepFrom = 0): Promise<void> {
    const log = this.log;
    this.log = undefined;
    const release = this.release;
    this.release = undefined;
    try {
      if (log) await this.saveState(engine, log, messages, keepFrom);
    } finally {
      release?.();
    }
  }

  private async saveState(
    engine: ChatEngine,
    log: ConversationLog,
    messages: readonly Message[],
    keepFrom: number,
  ): Promise<void> {
    log.close();
    // A conversation taken back to empty keeps no model state of what was said (an undone secret).
    if (!messages.some((m) => m.role !== "system")) return forgetState(log.id);
    if (log.saveFailure) return;
    const { capBytes, minTokens } = this.options.snapshots;
    if (capBytes <= 0) return;
    const resumedRun = this.resumed !== undefined;
    if (!resumedRun && minTokens > 0 && (engine.tokens?.countTokens(messages) ?? 0) < minTokens) return;
    await saveSnapshot(engine, {
      conversationId: log.id,
      model: this.options.model,
      template: engine.info.template,
      capBytes,
      ...(this.options.snapshots.oneShotCapBytes !== undefined
        ? { oneShotCapBytes: Math.min(capBytes, this.options.snapshots.oneShotCapBytes) }
        : {}),
      ...(keepFrom > 0 ? { keepFrom } : {}),
    });
  }
}

/** Removes a conversation's saved model state; a file that cannot be removed is left, quietly. */
function forgetState(id: string): void {
  try {
    removeSnapshot(id);
  } catch {
    // The state is checked against the conversation when loaded: a stale one is never used.
  }
}

function describe(outcome: string): string {
  switch (outcome) {
    case "model-mismatch":
      return "it was made with another model file";
    case "template-mismatch":
      return "it was made with another chat template";
    case "context-mismatch":
      return "it was made with another context size";
    case "attention-mismatch":
      return "it was made with other attention kernels";
    case "prefix-mismatch":
      return "the conversation changed since";
    case "damaged":
      return "it is damaged";
    case "missing":
      return "none was saved";
    default:
      return "this engine cannot load one";
  }
}
