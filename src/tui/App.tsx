/** The screen's regions, top to bottom: frozen transcript, live reply, input, status line. */
import { Box, Static, Text, useApp, useStdin, useStdout } from "ink";
import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import type { Ending } from "../chat/types.js";
import type { InputHistory } from "../core/index.js";
import type { LiveLimit } from "./chunking.js";
import { queuedLine, statusParts } from "./format.js";
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
import { useChat, type ReplyEnd, type ReplyKind } from "./hooks/use-chat.js";
import { useKeyboard } from "./hooks/use-keyboard.js";
import { useKeyRouting, type TerminalActions } from "./hooks/use-key-routing.js";
import { useLoader, type LoadModel } from "./hooks/use-loader.js";
import { usePromptEditor } from "./hooks/use-prompt-editor.js";
import { initialScreen, screenReducer } from "./screen-state.js";
import { showMessages } from "./show-messages.js";
import { continuable } from "./hooks/use-chat.js";

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

/** How long the width must stay the same after a resize before the screen is drawn again. */
const RESIZE_SETTLE_MS = 150;

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
  const afterReply = useRef<((end: ReplyEnd) => void) | undefined>(undefined);
  const chat = useChat(session, dispatch, liveLimit, { giveBack, onEnd: (end) => afterReply.current?.(end) });
  const limit = useMemo(liveLimit, [liveLimit, stdout.columns, stdout.rows]);
  const markdown = useRef(state.markdown);
  markdown.current = state.markdown;
  const showReasoning = useRef(state.showReasoning);
  showReasoning.current = state.showReasoning;
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
  /**
   * Clears the terminal and shows the conversation as it now is (after /undo, /retry, /continue),
   * then the notices given on the way. `lastEnd` is how the last reply ended, when just known.
   */
  const showConversation = (notices: readonly string[] = [], lastEnd?: Ending | null): void => {
    if (!session) return;
    let messages = session.messages;
    const tail = messages.at(-1);
    if (lastEnd !== undefined && tail?.role === "assistant") {
      const shown = { ...tail };
      if (lastEnd === null) delete shown.end;
      else shown.end = lastEnd;
      messages = [...messages.slice(0, -1), shown];
    }
    writeTerminal(CLEAR_SCREEN);
    dispatch({ type: "clear" });
    showMessages(dispatch, messages, { markdown: markdown.current, showReasoning: showReasoning.current });
    dispatch({ type: "context", used: session.contextTokens(), continuable: continuable(session) });
    for (const text of notices) dispatch({ type: "add", item: { kind: "notice", level: "info", text } });
  };
  const startReply = (kind: ReplyKind): void => {
    if (!session) return;
    if (kind === "retry" && session.canContinue && session.messages.some((m) => m.role === "user")) {
      // The reply to be replaced goes away before the new one is written.
      const shown = session.messages.slice(0, -1);
      writeTerminal(CLEAR_SCREEN);
      dispatch({ type: "clear" });
      showMessages(dispatch, shown, { markdown: markdown.current, showReasoning: showReasoning.current });
    }
    chat.run(kind, undefined, (end) => {
      if (kind === "retry" && !end.ok) {
        // Nothing was written: the old reply is still the conversation's; show it again.
        showConversation(end.notices);
        if (end.error !== undefined)
          dispatch({ type: "add", item: { kind: "notice", level: "error", text: end.error } });
      }
      if (kind === "continue" && end.ok && end.reply) {
        // The continuation is shown as part of the reply it continues.
        const how = end.reply.message.end ?? null;
        showConversation(end.notices, how);
      }
    });
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
      startReply,
      showConversation: () => showConversation(),
      exit: () => exit(),
      writeTerminal,
      redraw: terminal.redraw,
      editInput,
      attach,
      lastStats: () => formatStats(chat.lastDone()),
      cwd,
    };

  const routing = useKeyRouting({
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
  });
  afterReply.current = routing.afterReply;
  useKeyboard(routing.onKey);

  // A terminal that changes width reflows the rows Ink drew last, so Ink's count of rows to erase
  // no longer matches them and a copy of the input box and status line stays behind: the screen
  // is drawn again instead, once the resizing settles.
  const redrawLater = useRef(terminal.redraw);
  redrawLater.current = terminal.redraw;
  useEffect(() => {
    let columns = stdout.columns;
    let timer: NodeJS.Timeout | undefined;
    const onResize = (): void => {
      if (stdout.columns === columns) return;
      columns = stdout.columns;
      clearTimeout(timer);
      timer = setTimeout(() => redrawLater.current(), RESIZE_SETTLE_MS);
    };
    stdout.on("resize", onResize);
    return () => {
      clearTimeout(timer);
      stdout.off("resize", onResize);
    };
  }, [stdout]);

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
      <InputBox
        editor={prompt.editor}
        placeholder={state.phase === "idle" ? "Type a message · /help" : undefined}
        columns={limit.columns}
        maxRows={state.phase === "idle" ? (limit.lineRows ?? limit.rows) : limit.rows}
      />
      <StatusLine
        text={statusParts(state).join(" · ")}
        hint={state.hint}
        queued={queuedLine(state.queued)}
        exitArmed={state.exitArmed}
      />
    </Box>
  );
}
