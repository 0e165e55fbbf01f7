/** Saving a conversation's messages as they happen, to its JSONL file. */
import type { Reply } from "../chat/events.js";
import type { SamplingParams } from "../chat/params.js";
import type { Message } from "../chat/types.js";
import type { ModelIdentity } from "../store/conversation-records.js";
import { ConversationWriter, type MessageInput, type SaveFailure } from "../store/conversation-writer.js";

export interface ResumedConversation {
  id: string;
  messages: Message[];
}

export interface ConversationLogOptions {
  model: ModelIdentity;
  template: string;
  params: SamplingParams;
  source: "one-shot" | "chat" | "server";
  resumed?: ResumedConversation | undefined;
}

function same(a: Message | undefined, b: Message | undefined): boolean {
  return (
    a?.role === b?.role &&
    a?.content === b?.content &&
    (a?.reasoning ?? "") === (b?.reasoning ?? "") &&
    a?.tool_call_id === b?.tool_call_id &&
    JSON.stringify(a?.tool_calls ?? []) === JSON.stringify(b?.tool_calls ?? [])
  );
}

/**
 * Writes a session's messages to its conversation file, each as it completes. It compares the
 * session with what it saved, so an undo or a reply written again becomes a rewind record.
 */
export class ConversationLog {
  private readonly writer: ConversationWriter;
  /** The session's messages as saved; the first may be the header's system prompt. */
  private saved: Message[];
  /** 1 when saved[0] is the system prompt kept in the header, not a message record. */
  private readonly headerOffset: number;

  constructor(
    messages: readonly Message[],
    private readonly options: ConversationLogOptions,
  ) {
    const model = options.model;
    const params = { ...options.params } as Record<string, unknown>;
    if (options.resumed) {
      this.writer = ConversationWriter.resume(options.resumed.id, { model, template: options.template, params });
      this.saved = options.resumed.messages.map((m) => ({ ...m }));
      this.headerOffset = this.saved[0]?.role === "system" ? 1 : 0;
    } else {
      const first = messages[0];
      const system = first?.role === "system" ? first : undefined;
      this.writer = ConversationWriter.create({
        model,
        template: options.template,
        params,
        source: options.source,
        ...(system ? { system: system.content } : {}),
      });
      this.saved = system ? [{ ...system }] : [];
      this.headerOffset = system ? 1 : 0;
    }
  }

  get id(): string {
    return this.writer.id;
  }

  /** The conversation file. */
  get path(): string {
    return this.writer.path;
  }

  /** Whether a message (not only the system prompt) was written. */
  get wroteMessages(): boolean {
    return this.saved.length > this.headerOffset;
  }

  /** Brings the file up to the session: rewinds what changed, appends what is new. */
  sync(messages: readonly Message[]): void {
    let i = 0;
    while (i < this.saved.length && i < messages.length && same(this.saved[i], messages[i])) i++;
    if (i < this.saved.length) {
      this.writer.rewind(Math.max(0, i - this.headerOffset));
      this.saved.length = i;
    }
    for (const m of messages.slice(i)) this.append(m);
  }

  /** Appends a finished reply with its token counts and how it ended. */
  reply(done: Reply, messages: readonly Message[]): void {
    this.sync(messages.slice(0, -1));
    this.append(done.message, {
      tokens: { prompt: done.usage.prompt_tokens, completion: done.usage.completion_tokens },
      finishReason: done.finishReason,
      interrupted: done.interrupted,
    });
  }

  private append(message: Message, extra: Omit<MessageInput, keyof Message> = {}): void {
    const { end, ...text } = message;
    // How a reply ended is kept with it (a joined continuation has no reply event of its own).
    const ending: Omit<MessageInput, keyof Message> =
      end === "interrupted"
        ? { interrupted: true }
        : end
          ? { finishReason: "length", contextFull: end === "context" }
          : {};
    this.writer.append({ ...text, ...ending, ...extra });
    // A copy: the session may change a message in place (continuing a reply).
    this.saved.push({ ...message });
  }

  /** The log of a new conversation, for `/clear`. */
  restart(messages: readonly Message[]): ConversationLog {
    this.close();
    return new ConversationLog(messages, { ...this.options, resumed: undefined });
  }

  /** Why writing stopped, if it did (a full disk, a folder that cannot be written). */
  get saveFailure(): SaveFailure | undefined {
    return this.writer.saveFailure;
  }

  rename(title: string): void {
    this.writer.rename(title);
  }

  close(): void {
    this.writer.close();
  }
}
