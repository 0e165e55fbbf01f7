/** The screen's regions, top to bottom: frozen transcript, live reply, input, status line. */
import { Box, Static, Text } from "ink";
import { loadingLine, queuedLine, statusParts } from "./format.js";
import { InputBox } from "./components/InputBox.js";
import { LiveReply } from "./components/LiveReply.js";
import { StatusLine } from "./components/StatusLine.js";
import { AskRow } from "./components/ToolRows.js";
import { TranscriptRow } from "./components/TranscriptRow.js";
import { useChatScreen, type ChatScreenProps } from "./hooks/use-chat-screen.js";

export type AppProps = ChatScreenProps;

export function App(props: AppProps) {
  const { state, editor, limit } = useChatScreen(props);
  return (
    <Box flexDirection="column">
      <Static key={state.epoch} items={state.items}>
        {(item) => <TranscriptRow key={item.id} item={item} />}
      </Static>
      {state.live ? <LiveReply live={state.live} limit={limit} /> : null}
      {state.asking ? <AskRow text={state.asking.text} /> : null}
      {state.phase === "loading" ? <Text dimColor>{loadingLine(state)}</Text> : null}
      <InputBox
        editor={editor}
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
