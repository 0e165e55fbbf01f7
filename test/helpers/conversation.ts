/** A Conversation over any engine (a scripted one for screen tests), and running its operations. */
import type { ChatEvent, DoneEvent } from "../../src/chat/events.ts";
import type { Message } from "../../src/chat/types.ts";
import { Conversation } from "../../src/core/conversation.ts";
import type { ChatEngine } from "../../src/engine/engine.ts";
import { resolveSettings, type Layer } from "../../src/settings/resolve.ts";

export function conversationOver(engine: ChatEngine, messages: Message[] = [], layers: Layer[] = []): Conversation {
  return new Conversation({ engine, settings: resolveSettings(layers), messages });
}

/** Every event of an operation, in order. */
export async function drain(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** The operation's done event; its error is thrown. */
export async function done(events: AsyncIterable<ChatEvent>): Promise<DoneEvent> {
  const all = await drain(events);
  const last = all.at(-1);
  if (last?.type === "error") throw last.error;
  if (last?.type !== "done") throw new Error("the operation did not end with done");
  return last;
}
