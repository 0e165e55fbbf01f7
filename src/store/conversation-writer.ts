/**
 * Writes a conversation as it happens: one JSONL line per completed message, each written with a
 * single write() on a descriptor opened with O_APPEND, so lines from several writers (another
 * process renaming it, another run resuming it) never interleave, and a killed process loses at
 * most the line it was writing. The header goes out with the first message, so a chat left
 * before anything was said leaves no file behind.
 *
 * Saving never costs the answer: a write that fails (a full disk, a read-only or missing home)
 * does not throw. The writer stops writing, keeps the first failure in `saveFailure`, and the
 * front end says it in one line after the answer (`saveFailureMessage`).
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, constants, openSync, readSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { FinishReason, Role, ToolCall } from "../chat/types.js";
import { fsReason } from "../errors.js";
import type {
  ConversationStart,
  HeaderRecord,
  MessageRecord,
  ModelIdentity,
  ResumeRecord,
  TokenCounts,
} from "./conversation-records.js";
import { conversationsDir, conversationPath, resolveConversationId } from "./conversation-files.js";
import { endsWithNewline, ensureDir, FILE_MODE } from "./files.js";

/** Identifies a model file by size, modification time and a hash of its first MiB. */
export function modelIdentity(path: string): ModelIdentity {
  const abs = resolve(path);
  const id: ModelIdentity = { name: basename(abs), path: abs };
  try {
    const st = statSync(abs);
    id.size = st.size;
    id.mtime = st.mtime.toISOString();
    const fd = openSync(abs, "r");
    try {
      const buf = Buffer.alloc(Math.min(st.size, 1 << 20));
      const n = readSync(fd, buf, 0, buf.length, 0);
      id.sha256_1mb = createHash("sha256").update(buf.subarray(0, n)).digest("hex");
    } finally {
      closeSync(fd);
    }
  } catch {
    // A model that cannot be read here is still named; the identity is just less precise.
  }
  return id;
}

export interface MessageInput {
  role: Role;
  content: string;
  reasoning?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  tokens?: TokenCounts;
  finishReason?: FinishReason;
  /** With finishReason "length": cut because the context was full. */
  contextFull?: boolean;
  interrupted?: boolean;
  /** When the message completed; now by default. */
  time?: Date;
}

/** Why a conversation could not be (fully) saved. */
export interface SaveFailure {
  /** The conversation file. */
  path: string;
  /** In plain words: "the disk is full". */
  reason: string;
  /** Some records were written before the failure (the file holds the start of the conversation). */
  partial: boolean;
}

/** The one line a front end prints (after "parley: ") when a conversation could not be saved. */
export function saveFailureMessage(failure: SaveFailure): string {
  const what = failure.partial ? "the conversation was not fully saved" : "the conversation was not saved";
  return `${what}: ${failure.reason} (${failure.path})`;
}

function newId(): string {
  return randomBytes(6).toString("hex");
}

function line(record: object): string {
  return `${JSON.stringify(record)}\n`;
}

export class ConversationWriter {
  readonly id: string;
  readonly path: string;
  #fd: number | undefined;
  /** Lines that go out with the next write: the header or a resume mark. */
  #pending: string;
  #exclusive: boolean;
  #failure: SaveFailure | undefined;
  /** Something of the conversation is on disk already (written by this writer, or resumed). */
  #wrote: boolean;

  private constructor(id: string, path: string, pending: string, exclusive: boolean) {
    this.id = id;
    this.path = path;
    this.#pending = pending;
    this.#exclusive = exclusive;
    this.#wrote = !exclusive;
  }

  /** A new conversation. Nothing is written until the first message (or rename). */
  static create(start: ConversationStart, dir = conversationsDir()): ConversationWriter {
    const id = newId();
    const header: HeaderRecord = { type: "header", version: 1, id, created: new Date().toISOString(), ...start };
    return new ConversationWriter(id, join(dir, `${id}.jsonl`), line(header), true);
  }

  /** Goes on with a saved conversation (`id` may be a unique prefix); new messages are appended. */
  static resume(
    id: string,
    start: Omit<ConversationStart, "system" | "title" | "source">,
    dir = conversationsDir(),
  ): ConversationWriter {
    const full = resolveConversationId(id, dir);
    const mark: ResumeRecord = { type: "resume", time: new Date().toISOString(), ...start };
    return new ConversationWriter(full, conversationPath(full, dir), line(mark), false);
  }

  #open(): number {
    if (this.#fd !== undefined) return this.#fd;
    try {
      if (this.#exclusive) {
        ensureDir(dirname(this.path));
        this.#fd = openSync(
          this.path,
          constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL,
          FILE_MODE,
        );
        this.#exclusive = false;
      } else {
        this.#fd = openSync(this.path, constants.O_WRONLY | constants.O_APPEND);
        // A run killed mid-line left a torn last line: start on a fresh line so ours stay whole.
        if (!endsWithNewline(this.path)) this.#pending = `\n${this.#pending}`;
      }
    } catch (err) {
      if (this.#fd !== undefined) closeSync(this.#fd);
      this.#fd = undefined;
      throw err;
    }
    return this.#fd;
  }

  /** The first write that failed, if one did; nothing is written after it. */
  get saveFailure(): SaveFailure | undefined {
    return this.#failure;
  }

  #write(text: string): void {
    if (this.#failure) return;
    try {
      const fd = this.#open();
      const buf = Buffer.from(this.#pending + text);
      let done = writeSync(fd, buf);
      while (done < buf.length) done += writeSync(fd, buf, done);
      this.#pending = "";
      this.#wrote = true;
    } catch (err) {
      // Later records would not make sense without this one: stop here and say why once.
      this.#failure = { path: this.path, reason: fsReason(err), partial: this.#wrote };
      this.close();
    }
  }

  /** Appends one completed message. */
  append(message: MessageInput): void {
    const record: MessageRecord = {
      type: "message",
      time: (message.time ?? new Date()).toISOString(),
      role: message.role,
      content: message.content,
    };
    if (message.reasoning) record.reasoning = message.reasoning;
    if (message.tool_calls?.length) record.tool_calls = message.tool_calls;
    if (message.tool_call_id !== undefined) record.tool_call_id = message.tool_call_id;
    if (message.tokens) record.tokens = message.tokens;
    if (message.finishReason) record.finish_reason = message.finishReason;
    if (message.finishReason === "length" && message.contextFull) record.context_full = true;
    if (message.interrupted) record.interrupted = true;
    this.#write(line(record));
  }

  /** Drops every message after the first `keep` (appended, like everything else). */
  rewind(keep: number): void {
    this.#write(line({ type: "rewind", time: new Date().toISOString(), keep }));
  }

  /** Gives the conversation a title (appended; the latest one wins). */
  rename(title: string): void {
    this.#write(line({ type: "rename", time: new Date().toISOString(), title: title.replace(/\s+/g, " ").trim() }));
  }

  /** Closes the file; a later append opens it again. */
  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch (err) {
      this.#failure ??= { path: this.path, reason: fsReason(err), partial: this.#wrote };
    }
  }
}
