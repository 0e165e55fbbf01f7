/**
 * Saved conversations in the chat screen: the running one is written as it happens, its model
 * state is saved when it is left, and `/save`, `/history`, `/resume` and `/preset` act on them.
 */
import { ConversationLog, leaveConversation, restoreResumed } from "../chat/conversation-log.js";
import type { ParamLayer } from "../chat/params.js";
import type { ChatSession } from "../chat/session.js";
import type { Message } from "../chat/types.js";
import type { ChatEngine } from "../engine/engine.js";
import { toSessionMessages } from "../store/conversation-export.js";
import type { ModelIdentity } from "../store/conversation-records.js";
import { listConversations, readConversation } from "../store/conversations.js";
import { getPreset, presetParamLayer } from "../store/presets.js";

export interface ConversationSettings {
  /** Save conversations (off with --no-history or `history false`; `/save` still saves). */
  history: boolean;
  snapshotCapMb: number | undefined;
  model: ModelIdentity;
  /** Parameters from flags and environment: a preset does not override them. */
  pinned: ParamLayer;
  /** The conversation `-c` or `--resume` continues. */
  resumed?: { id: string; messages: Message[] } | undefined;
}

function when(iso: string): string {
  return iso.replace("T", " ").slice(0, 16);
}

export class ChatConversations {
  constructor(
    private readonly engine: ChatEngine,
    private readonly session: ChatSession,
    private readonly settings: ConversationSettings,
  ) {}

  private newLog(resumed?: { id: string; messages: Message[] }): ConversationLog {
    return new ConversationLog(this.session.messages, {
      model: this.settings.model,
      template: this.engine.info.template,
      params: this.session.params,
      source: "chat",
      resumed,
    });
  }

  private get log(): ConversationLog | undefined {
    const r = this.session.recorder;
    return r instanceof ConversationLog ? r : undefined;
  }

  /** Starts recording; loads the model state of a resumed conversation. Returns a notice, if any. */
  async start(): Promise<string | undefined> {
    const { resumed } = this.settings;
    if (resumed) {
      const notice = await restoreResumed(this.engine, resumed, this.settings.model, this.session.messages);
      if (this.settings.history) this.session.recorder = this.newLog(resumed);
      return notice.trim();
    }
    if (this.settings.history) this.session.recorder = this.newLog();
    return undefined;
  }

  /** Saves the conversation now (even with history off) and gives it a title. Returns its id. */
  save(title: string): string {
    let log = this.log;
    if (!log) {
      log = this.newLog();
      this.session.recorder = log;
    }
    log.sync(this.session.messages);
    if (title) log.rename(title);
    return log.id;
  }

  /** The latest saved conversations, one line each. */
  list(limit = 10): string {
    const rows = listConversations().slice(0, limit);
    if (rows.length === 0) return "no saved conversations";
    const current = this.log?.id;
    return rows
      .map((c) => {
        const mark = c.id === current ? "*" : " ";
        const title = c.damaged ? `(damaged: ${c.damaged})` : c.title;
        return `${mark} ${c.id}  ${when(c.lastActivity)}  ${String(c.messages).padStart(3)} msgs  ${title}`;
      })
      .join("\n");
  }

  /** Leaves the current conversation and goes on with a saved one. Returns its messages and a notice. */
  async resume(idOrPrefix: string): Promise<{ messages: Message[]; notice: string }> {
    const conversation = readConversation(idOrPrefix);
    await this.leave();
    const messages = toSessionMessages(conversation);
    this.session.recorder = undefined;
    this.session.messages.splice(0, this.session.messages.length, ...messages);
    const resumed = { id: conversation.id, messages };
    const notice = await restoreResumed(this.engine, resumed, this.settings.model, messages);
    this.session.recorder = this.newLog(resumed);
    return { messages, notice: `resumed ${conversation.id} "${conversation.title}" · ${notice.trim()}` };
  }

  /** Uses a preset: its system prompt, and its parameters where flags and environment set none. */
  preset(name: string, sources?: Map<string, string>): string {
    const preset = getPreset(name);
    const layer = presetParamLayer(preset);
    for (const key of Object.keys(this.settings.pinned) as (keyof ParamLayer)[]) delete layer[key];
    this.session.params = { ...this.session.params, ...layer };
    this.session.setSystem(preset.system);
    const keys = Object.keys(layer);
    for (const key of keys) sources?.set(key, `preset ${name}`);
    return `preset ${name}: system prompt set${keys.length > 0 ? `, parameters ${keys.join(", ")}` : ""}`;
  }

  /** Saves the model state beside the current conversation (on exit, before /resume). */
  async leave(): Promise<void> {
    const log = this.log;
    if (!log || this.session.generating || !this.session.messages.some((m) => m.role !== "system")) return;
    log.close();
    await leaveConversation(this.engine, log.id, this.settings.model, this.settings.snapshotCapMb);
  }
}
