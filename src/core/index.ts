/** The core as front ends see it: a conversation, how to open one, and what they may read. */
export { Conversation } from "./conversation.js";
export type { ChatEngine, EngineInfo, GenerateResult } from "../engine/engine.js";
export {
  openConversation,
  loadSettings,
  resolveModel,
  type OpenRequest,
  type Opened,
  type ResumeChoice,
} from "./open.js";
export {
  InputHistory,
  listConversations,
  localModels,
  presetNames,
  writeExport,
  type ConversationSummary,
} from "./library.js";
