/** Finding the saved conversation `-c` or `--resume` names. */
import type { ResumedConversation } from "../chat/conversation-log.js";
import { UsageError } from "../errors.js";
import { toSessionMessages } from "../store/conversation-export.js";
import { latestConversationId, readConversation } from "../store/conversations.js";
import type { RunSettings } from "./settings.js";

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
