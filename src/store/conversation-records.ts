/**
 * The conversation file format: JSON Lines, one record per line. The first line is the header;
 * then messages as they complete, renames, and resume marks. Reading is forgiving: a torn last
 * line (a writer killed mid-write) is skipped and reported; so are unreadable lines elsewhere.
 */
import { ROLES, type FinishReason, type Role, type ToolCall } from "../chat/types.js";

/** Which model file a conversation used, precisely enough to tell a changed file apart. */
export interface ModelIdentity {
  /** The file's base name. */
  name: string;
  path: string;
  size?: number;
  /** Modification time, ISO 8601. */
  mtime?: string;
  /** SHA-256 of the first MiB, hex. */
  sha256_1mb?: string;
  /** A remote model: the named endpoint it ran on (`path` is then `endpoint:model-id`). */
  endpoint?: string;
  /** A remote model given with --base-url: the server's base URL (`path` is the model id). */
  baseUrl?: string;
}

/** What a conversation starts with: the model and settings of the run that began it. */
export interface ConversationStart {
  model: ModelIdentity;
  /** The chat template in use, as the engine reports it. */
  template?: string;
  system?: string;
  /** The sampling parameters of the run. */
  params?: Record<string, unknown>;
  /** "one-shot" or "chat". */
  source?: string;
  title?: string;
}

export interface HeaderRecord extends ConversationStart {
  type: "header";
  version: 1;
  id: string;
  created: string;
}

export interface TokenCounts {
  prompt?: number;
  completion?: number;
}

export interface MessageRecord {
  type: "message";
  time: string;
  role: Role;
  content: string;
  reasoning?: string;
  /** The tools an assistant message calls. */
  tool_calls?: ToolCall[];
  /** The call a `tool` message answers. */
  tool_call_id?: string;
  tokens?: TokenCounts;
  finish_reason?: FinishReason;
  /** With finish_reason "length": the context was full, before any token limit was reached. */
  context_full?: boolean;
  interrupted?: boolean;
}

export interface RenameRecord {
  type: "rename";
  time: string;
  title: string;
}

/** Marks that a later run went on with the conversation, maybe with another model or settings. */
export interface ResumeRecord {
  type: "resume";
  time: string;
  model: ModelIdentity;
  template?: string;
  params?: Record<string, unknown>;
}

/** Drops the messages after the first `keep` (an undo, or a reply written again). */
export interface RewindRecord {
  type: "rewind";
  time: string;
  keep: number;
}

export type ConversationRecord = HeaderRecord | MessageRecord | RenameRecord | ResumeRecord | RewindRecord;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isModel(v: unknown): v is ModelIdentity {
  return isRecord(v) && typeof v.name === "string" && typeof v.path === "string";
}

function isToolCallList(v: unknown): v is ToolCall[] {
  return (
    Array.isArray(v) &&
    v.every(
      (c) =>
        isRecord(c) &&
        typeof c.id === "string" &&
        c.type === "function" &&
        isRecord(c.function) &&
        typeof c.function.name === "string" &&
        typeof c.function.arguments === "string",
    )
  );
}

/** Checks one parsed line; undefined when it is not a record parley wrote. */
export function asRecord(v: unknown): ConversationRecord | undefined {
  if (!isRecord(v) || typeof v.type !== "string") return undefined;
  const r = v as unknown as ConversationRecord;
  switch (r.type) {
    case "header":
      return typeof r.id === "string" && typeof r.created === "string" && isModel(r.model) ? r : undefined;
    case "message":
      return typeof r.time === "string" &&
        typeof r.content === "string" &&
        (ROLES as readonly string[]).includes(r.role) &&
        (r.reasoning === undefined || typeof r.reasoning === "string") &&
        (r.tool_calls === undefined || isToolCallList(r.tool_calls)) &&
        (r.tool_call_id === undefined || typeof r.tool_call_id === "string")
        ? r
        : undefined;
    case "rename":
      return typeof r.time === "string" && typeof r.title === "string" ? r : undefined;
    case "resume":
      return typeof r.time === "string" && isModel(r.model) ? r : undefined;
    case "rewind":
      return typeof r.time === "string" && Number.isSafeInteger(r.keep) && r.keep >= 0 ? r : undefined;
    default:
      return undefined;
  }
}

export interface ParsedConversation {
  header: HeaderRecord | undefined;
  messages: MessageRecord[];
  renames: RenameRecord[];
  resumes: ResumeRecord[];
  /** The last line was cut short and was skipped. */
  torn: boolean;
  /** 1-based numbers of other lines that could not be read and were skipped. */
  badLines: number[];
  /** Why the file is not a usable conversation (no header), if it is not. */
  damaged: string | undefined;
}

function parseLine(line: string): ConversationRecord | undefined {
  try {
    return asRecord(JSON.parse(line));
  } catch {
    return undefined;
  }
}

/** Reads a conversation file's text. Never throws. */
export function parseConversationText(text: string): ParsedConversation {
  const out: ParsedConversation = {
    header: undefined,
    messages: [],
    renames: [],
    resumes: [],
    torn: false,
    badLines: [],
    damaged: undefined,
  };
  const lines = text.split("\n");
  const last = lines.length - 1;
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const record = parseLine(line);
    if (!record) {
      if (i === last) out.torn = true;
      else out.badLines.push(i + 1);
      return;
    }
    switch (record.type) {
      case "header":
        if (i === 0) out.header = record;
        else out.badLines.push(i + 1);
        break;
      case "message":
        out.messages.push(record);
        break;
      case "rename":
        out.renames.push(record);
        break;
      case "resume":
        out.resumes.push(record);
        break;
      case "rewind":
        out.messages.length = Math.min(out.messages.length, record.keep);
        break;
    }
  });
  if (!out.header) {
    out.damaged = text.trim() === "" ? "the file is empty" : "the first line is not a conversation header";
  }
  return out;
}

/** The first line of a text, cut to `max` characters. */
export function oneLine(text: string, max = 60): string {
  const line = text.trim().split("\n")[0]?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The title: the latest rename, else the header's title, else the first user message. */
export function titleOf(parsed: ParsedConversation): string {
  const renamed = parsed.renames.at(-1)?.title ?? parsed.header?.title;
  if (renamed !== undefined) return renamed;
  const first = parsed.messages.find((m) => m.role === "user");
  return first ? oneLine(first.content) : "(no messages)";
}
