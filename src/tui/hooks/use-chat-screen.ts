/**
 * The chat screen's state and effects, put together: the screen reducer, the model load, the
 * prompt editor, the chat controller, the keys and the terminal. App only lays out what this
 * returns.
 */
import { useApp, useStdout } from "ink";
import { useCallback, useMemo, useReducer, useRef } from "react";
import type { InputHistory } from "../../core/index.js";
import type { LiveLimit } from "../chunking.js";
import { editorWith, type EditorState } from "../editor.js";
import type { Attachment } from "../input/attachments.js";
import { initialScreen, screenReducer, type ScreenState } from "../screen-state.js";
import { useChat, type ReplyEnd } from "./use-chat.js";
import { commandContextOf } from "./use-command-context.js";
import { useConversationView } from "./use-conversation-view.js";
import { useFirstPrompt } from "./use-first-prompt.js";
import { useKeyboard } from "./use-keyboard.js";
import { useKeyRouting } from "./use-key-routing.js";
import { useLoader, type LoadModel } from "./use-loader.js";
import { usePromptEditor } from "./use-prompt-editor.js";
import { useTerminal } from "./use-terminal.js";

export interface ChatScreenProps {
  load: LoadModel;
  firstPrompt?: string | undefined;
  history?: InputHistory | undefined;
  initialHistory?: readonly string[];
  markdown?: boolean;
  showReasoning?: boolean;
  writeTerminal?: (sequence: string) => void;
  cwd?: string;
  /** --yes: read_file calls run without asking (shell calls are always asked). */
  yes?: boolean;
}

export interface ChatScreen {
  state: ScreenState;
  editor: EditorState;
  /** How much of the screen the live reply and the input box may take. */
  limit: LiveLimit;
}

export function useChatScreen(props: ChatScreenProps): ChatScreen {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const startView = { markdown: props.markdown ?? true, showReasoning: props.showReasoning ?? false };
  const [state, dispatch] = useReducer(screenReducer, startView, initialScreen);
  const loaded = useLoader(props.load, dispatch, startView);
  const session = loaded?.conversation;
  // The live tail gets a small share of the screen: every row of it is laid out and painted on
  // every frame, and a live region near the screen's height makes Ink redraw the whole screen.
  const liveLimit = useCallback(
    (): LiveLimit => ({
      columns: stdout.columns || 80,
      rows: Math.max(3, Math.floor(((stdout.rows || 24) - 8) / 2)),
      lineRows: Math.max(3, (stdout.rows || 24) - 10),
    }),
    [stdout],
  );
  const limit = useMemo(liveLimit, [liveLimit, stdout.columns, stdout.rows]);
  const prompt = usePromptEditor(props.initialHistory ?? []);
  const giveBack = useCallback((text: string) => prompt.set(editorWith(text)), [prompt]);
  const afterReply = useRef<((end: ReplyEnd) => void) | undefined>(undefined);
  const cwd = props.cwd ?? process.cwd();
  const chat = useChat(session, dispatch, liveLimit, {
    giveBack,
    onEnd: (end) => afterReply.current?.(end),
    tools: { yes: props.yes ?? false, cwd },
  });
  // Commands read how messages are shown now, not as they were at the last render.
  const view = useRef({ markdown: state.markdown, showReasoning: state.showReasoning });
  view.current = { markdown: state.markdown, showReasoning: state.showReasoning };
  const attachments = useRef<Attachment[]>([]);
  const terminal = useTerminal(dispatch, props.writeTerminal);
  const conversationView = useConversationView(session, chat, dispatch, terminal.write, () => view.current);
  const routing = useKeyRouting({
    session,
    chat,
    prompt,
    history: props.history,
    dispatch,
    commandContext: () =>
      commandContextOf({
        loaded,
        dispatch,
        chat,
        view: conversationView,
        terminal,
        prompt,
        markdown: () => view.current.markdown,
        exit: () => exit(),
        cwd,
        attachments,
      }),
    exit: () => exit(),
    terminal,
    cwd,
    attachments,
  });
  afterReply.current = routing.afterReply;
  useKeyboard(routing.onKey);
  useFirstPrompt(props.firstPrompt, session, chat, prompt, props.history, dispatch);
  return { state, editor: prompt.editor, limit };
}
