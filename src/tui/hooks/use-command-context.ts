/** What a slash command may act on, built fresh for each command from the chat screen's parts. */
import { formatStats } from "../stats.js";
import type { CommandContext } from "../commands/types.js";
import { attachmentRow, readAttachment, type Attachment } from "../input/attachments.js";
import type { ScreenAction } from "../screen-state.js";
import type { ChatController } from "./use-chat.js";
import type { ConversationView } from "./use-conversation-view.js";
import type { Loaded } from "./use-loader.js";
import type { PromptEditor } from "./use-prompt-editor.js";
import type { Terminal } from "./use-terminal.js";

export interface CommandContextDeps {
  loaded: Loaded | undefined;
  dispatch: (action: ScreenAction) => void;
  chat: ChatController;
  view: ConversationView;
  terminal: Terminal;
  prompt: PromptEditor;
  /** Whether replies are rendered as Markdown now. */
  markdown: () => boolean;
  exit: () => void;
  cwd: string;
  /** Files attached with /file, sent with the next message. */
  attachments: { current: Attachment[] };
}

/** The context for a command; undefined while the model loads. */
export function commandContextOf(deps: CommandContextDeps): CommandContext | undefined {
  const { loaded, dispatch, terminal, cwd } = deps;
  if (!loaded) return undefined;
  const attach = (path: string): void => {
    const file = readAttachment(path, cwd);
    deps.attachments.current = [...deps.attachments.current, file];
    dispatch({
      type: "add",
      item: { kind: "attachment", text: `${attachmentRow(file)} · sent with the next message` },
    });
  };
  return {
    session: loaded.conversation,
    info: loaded.conversation.info,
    markdown: deps.markdown(),
    print: (text) => dispatch({ type: "add", item: { kind: "notice", level: "info", text } }),
    dispatch,
    startReply: deps.view.startReply,
    showConversation: () => deps.view.showConversation(),
    exit: deps.exit,
    writeTerminal: terminal.write,
    redraw: terminal.redraw,
    editInput: () => terminal.editInput(deps.prompt),
    attach,
    lastStats: () => formatStats(deps.chat.lastDone()),
    cwd,
  };
}
