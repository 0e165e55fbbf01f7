/** Running a conversation operation that streams no reply (undo, resume) to its end. */
import type { ChatEvent, DoneEvent, NoticeEvent } from "../chat/events.js";

/** Waits for the operation's `done`, passing notices on; its error is thrown. */
export async function finish(
  events: AsyncIterable<ChatEvent>,
  onNotice: (notice: NoticeEvent) => void,
): Promise<DoneEvent> {
  for await (const event of events) {
    if (event.type === "notice") onNotice(event);
    else if (event.type === "error") throw event.error;
    else if (event.type === "done") return event;
  }
  throw new Error("the operation ended without a result");
}
