import { Box, Text } from "ink";
import type { TranscriptItem } from "../screen-state.js";
import { theme } from "../theme.js";
import { Header } from "./Header.js";
import { Help } from "./Help.js";
import { MessageText } from "./MessageText.js";
import { RoleLabel } from "./RoleLabel.js";
import { Thinking } from "./Thinking.js";
import { ToolCallRow, ToolResultRow } from "./ToolRows.js";
import { Unwrapped } from "./Unwrapped.js";

function Reasoning({ text, collapsed }: { text: string; collapsed: boolean }) {
  if (collapsed) {
    const words = text.split(/\s+/).filter(Boolean).length;
    return <Text dimColor>{`[reasoning: ${words} words, /reasoning show to expand]`}</Text>;
  }
  return (
    <Thinking>
      <MessageText text={text} markdown={false} dim />
    </Thinking>
  );
}

/** One frozen row of the transcript. */
export function TranscriptRow({ item }: { item: TranscriptItem }) {
  switch (item.kind) {
    case "header":
      return <Header info={item.info} />;
    case "message":
      return (
        <Box flexDirection="column" marginTop={1}>
          <RoleLabel role={item.role} />
          <MessageText text={item.text} markdown={false} />
        </Box>
      );
    case "reply":
      return (
        <Box flexDirection="column" marginTop={item.first || item.gap ? 1 : 0}>
          {item.first ? <RoleLabel role="assistant" /> : null}
          <MessageText text={item.text} markdown={item.markdown} />
        </Box>
      );
    case "reasoning":
      return (
        <Box flexDirection="column" marginTop={1}>
          <RoleLabel role="assistant" />
          <Reasoning text={item.text} collapsed={item.collapsed} />
        </Box>
      );
    case "help":
      return <Help />;
    case "tool-call":
      return <ToolCallRow text={item.text} />;
    case "tool-result":
      return <ToolResultRow name={item.name} text={item.text} ok={item.ok} />;
    case "attachment":
      return <Text color={theme.muted}>{item.text}</Text>;
    case "marker":
      return <Text color={theme.marker}>{item.text}</Text>;
    case "notice":
      return (
        <Box marginTop={1}>
          <Unwrapped text={item.level === "error" ? `error: ${item.text}` : item.text}>
            <Text color={item.level === "error" ? theme.error : theme.muted}>
              {item.level === "error" ? `error: ${item.text}` : item.text}
            </Text>
          </Unwrapped>
        </Box>
      );
  }
}
