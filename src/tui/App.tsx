/** The screen's regions, top to bottom: frozen transcript, live reply, input, status line. */
import { Box, Static, Text, useApp, useStdin, useStdout } from "ink";
import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import type { InputHistory } from "../core/index.js";
import type { LiveLimit } from "./chunking.js";
import { statusParts } from "./format.js";
import { formatStats } from "./stats.js";
import { CLEAR_SCREEN, type CommandContext } from "./commands/types.js";
import { attachmentRow, readAttachment, type Attachment } from "./input/attachments.js";
import { editExternally, suspend, type TerminalHandle } from "./input/terminal.js";
import { ParleyError } from "../errors.js";
import { editorWith } from "./editor.js";
import { InputBox } from "./components/InputBox.js";
import { LiveReply } from "./components/LiveReply.js";
import { StatusLine } from "./components/StatusLine.js";
import { TranscriptRow } from "./components/TranscriptRow.js";
import { useChat } from "./hooks/use-chat.js";
import { useKeyboard } from "./hooks/use-keyboard.js";
import { useKeyRouting, type TerminalActions } from "./hooks/use-key-routing.js";
import { useLoader, type LoadModel } from "./hooks/use-loader.js";
import { usePromptEditor } from "./hooks/use-prompt-editor.js";
import { initialScreen, screenReducer } from "./screen-state.js";

export interface AppProps {
  load: LoadModel;
  firstPrompt?: string | undefined;
  history?: InputHistory | undefined;
  initialHistory?: readonly string[];
  markdown?: boolean;
  showReasoning?: boolean;
  writeTerminal?: (sequence: string) => void;
  cwd?: string;
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [state, dispatch] = useReducer(
    screenReducer,
    { markdown: props.markdown ?? true, showReasoning: props.showReasoning ?? false },
    initialScreen,
  );
  const loaded = useLoader(props.load, dispatch, {
    markdown: props.markdown ?? true,
    showReasoning: props.showReasoning ?? false,
  });
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
  const prompt = usePromptEditor(props.initialHistory ?? []);
  const giveBack = useCallback((text: string) => prompt.set(editorWith(text)), [prompt]);
  const chat = useChat(session, dispatch, liveLimit, giveBack);
  const limit = useMemo(liveLimit, [liveLimit, stdout.columns, stdout.rows]);
  const markdown = useRef(state.markdown);
  markdown.current = state.markdown;
  const attachments = useRef<Attachment[]>([]);
  const { stdin } = useStdin();
  const writeTerminal = props.writeTerminal ?? ((s: string) => void stdout.write(s));
  const cwd = props.cwd ?? process.cwd();
  const handle: TerminalHandle = {
    setRawMode: (on) => {
      if (stdin.isTTY) stdin.setRawMode(on);
    },
    write: writeTerminal,
  };
  const terminal: TerminalActions = {
    redraw: () => {
      writeTerminal(CLEAR_SCREEN);
      dispatch({ type: "redraw" });
    },
    suspend: () => {
      suspend(handle);
      terminal.redraw();
    },
    edit: (text) => editExternally(handle, text),
  };
  const editInput = (): void => {
    try {
      prompt.set(editorWith(terminal.edit(prompt.current().text)));
    } catch (err) {
      const text = err instanceof ParleyError ? err.message : String(err);
      dispatch({ type: "add", item: { kind: "notice", level: "error", text } });
    }
    terminal.redraw();
  };
  const attach = (path: string): void => {
    const file = readAttachment(path, cwd);
    attachments.current = [...attachments.current, file];
    dispatch({
      type: "add",
      item: { kind: "attachment", text: `${attachmentRow(file)} · sent with the next message` },
    });
  };

  const commandContext = (): CommandContext | undefined =>
    loaded && {
      session: loaded.conversation,
      info: loaded.conversation.info,
      markdown: markdown.current,
      print: (text) => dispatch({ type: "add", item: { kind: "notice", level: "info", text } }),
      dispatch,
      startReply: (kind) => chat.run(kind),
      exit: () => exit(),
      writeTerminal,
      redraw: terminal.redraw,
      editInput,
      attach,
      lastStats: () => formatStats(chat.lastDone()),
      cwd,
    };

  useKeyboard(
    useKeyRouting({
      session,
      chat,
      prompt,
      history: props.history,
      dispatch,
      commandContext,
      exit: () => exit(),
      terminal,
      cwd,
      attachments,
    }),
  );

  const first = useRef(props.firstPrompt);
  useEffect(() => {
    const text = first.current;
    if (!session || text === undefined) return;
    first.current = undefined;
    props.history?.add(text);
    prompt.remember(text);
    dispatch({ type: "add", item: { kind: "message", role: "user", text } });
    chat.run("send", text);
  }, [session, chat, prompt, props.history]);

  return (
    <Box flexDirection="column">
      <Static key={state.epoch} items={state.items}>
        {(item) => <TranscriptRow key={item.id} item={item} />}
      </Static>
      {state.live ? <LiveReply live={state.live} limit={limit} /> : null}
      {state.phase === "loading" ? (
        <Text dimColor>{`Loading the model… ${Math.round(state.loadProgress * 100)}%`}</Text>
      ) : null}
      <InputBox editor={prompt.editor} placeholder={state.phase === "idle" ? "Type a message · /help" : undefined} />
      <StatusLine text={statusParts(state).join(" · ")} hint={state.hint} exitArmed={state.exitArmed} />
    </Box>
  );
}
