/**
 * Saving a run's conversation as it happens, and finding the one to continue (`-c`, `--resume`).
 * Shared by one-shot mode and the interactive chat.
 */
import type { DoneEvent } from "../chat/events.js";
import type { SamplingParams } from "../chat/params.js";
import type { Message } from "../chat/types.js";
import { UsageError } from "../errors.js";
import { toSessionMessages } from "../store/conversation-export.js";
import { ConversationWriter, modelIdentity } from "../store/conversation-writer.js";
import { latestConversationId, readConversation } from "../store/conversations.js";
import type { RunSettings } from "./settings.js";

export interface ResumedConversation {
  id: string;
  messages: Message[];
}

/** The conversation `-c` or `--resume` names, read as session messages; undefined without them. */
export function findResumed(settings: RunSettings): ResumedConversation | undefined {
  if (!settings.resume) return undefined;
  let id: string | undefined;
  if ("latest" in settings.resume) {
    id = latestConversationId();
    if (id === undefined) throw new UsageError("no saved conversation to continue");
  } else {
    id = settings.resume.id;
  }
  const conversation = readConversation(id);
  return { id: conversation.id, messages: toSessionMessages(conversation) };
}

export interface ConversationLogOptions {
  modelPath: string;
  template: string;
  params: SamplingParams;
  source: "one-shot" | "chat";
  resumed?: ResumedConversation;
}

/** Writes messages to a conversation file, each line as the message completes. */
export class ConversationLog {
  private readonly writer: ConversationWriter;
  /** How many of the session's messages are already in the file. */
  private saved: number;

  constructor(messages: readonly Message[], options: ConversationLogOptions) {
    const model = modelIdentity(options.modelPath);
    const params = { ...options.params } as Record<string, unknown>;
    if (options.resumed) {
      this.writer = ConversationWriter.resume(options.resumed.id, { model, template: options.template, params });
      this.saved = options.resumed.messages.length;
    } else {
      const system = messages[0]?.role === "system" ? messages[0].content : undefined;
      this.writer = ConversationWriter.create({
        model,
        template: options.template,
        params,
        source: options.source,
        ...(system !== undefined ? { system } : {}),
      });
      // The header carries the opening system prompt.
      this.saved = system !== undefined ? 1 : 0;
    }
  }

  get id(): string {
    return this.writer.id;
  }

  /** Appends the session's messages not yet saved (the prompt before a reply, say). */
  sync(messages: readonly Message[]): void {
    for (const m of messages.slice(this.saved)) this.writer.append(m);
    this.saved = Math.max(this.saved, messages.length);
  }

  /** Appends a finished reply with its token counts and how it ended. */
  reply(done: DoneEvent, messages: readonly Message[]): void {
    this.sync(messages.slice(0, -1));
    this.writer.append({
      ...done.message,
      tokens: { prompt: done.usage.prompt_tokens, completion: done.usage.completion_tokens },
      finishReason: done.finishReason,
      interrupted: done.interrupted,
    });
    this.saved = messages.length;
  }

  close(): void {
    this.writer.close();
  }
}
