/**
 * Tool calls in the transcript: the call the reply asked for (tagged assistant), what it gave
 * (tagged tool), and the question asked before it runs. Tool output and the model's arguments are
 * untrusted text: made terminal-safe, and a long result is shown cut (the model gets it whole).
 */
import { Box, Text } from "ink";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import { ROLE_STYLES, theme } from "../theme.js";
import { Unwrapped } from "./Unwrapped.js";

/** The most lines of a tool result the transcript shows. */
export const RESULT_ROWS = 30;

/** A result as shown: its first lines, and how many more the model got. */
export function shownResult(text: string, rows = RESULT_ROWS): string {
  const lines = sanitizeForTerminal(text.replace(/\s+$/, "")).split("\n");
  if (lines.length <= rows) return lines.join("\n");
  const more = lines.length - rows;
  return `${lines.slice(0, rows).join("\n")}\n[… ${more} more line${more === 1 ? "" : "s"} sent to the model]`;
}

export function ToolCallRow({ text }: { text: string }) {
  const safe = sanitizeForTerminal(text);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>
        <Text bold color={ROLE_STYLES.assistant.color}>
          {ROLE_STYLES.assistant.label}
        </Text>
        <Text color={theme.muted}> · tool call</Text>
      </Text>
      <Unwrapped text={safe}>
        <Text>{safe}</Text>
      </Unwrapped>
    </Box>
  );
}

export function ToolResultRow({ name, text, ok }: { name: string; text: string; ok: boolean }) {
  const shown = shownResult(text);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>
        <Text bold color={ROLE_STYLES.tool.color}>
          {ROLE_STYLES.tool.label}
        </Text>
        <Text color={theme.muted}>{` · ${name}`}</Text>
      </Text>
      <Unwrapped text={shown}>
        <Text color={ok ? undefined : theme.muted}>{shown}</Text>
      </Unwrapped>
    </Box>
  );
}

/** The question under a tool call: nothing runs before a yes for this very call. */
export function AskRow({ text }: { text: string }) {
  const safe = sanitizeForTerminal(text);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={theme.marker}>
        Run this tool call?
      </Text>
      <Text>{safe}</Text>
      <Text color={theme.marker}>[y] yes · [n] or Esc: no</Text>
    </Box>
  );
}
