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

/** The most lines of a call the question under it repeats (the row above has it whole). */
export const ASK_ROWS = 12;

/**
 * Characters that change how a line reads without showing (direction overrides and isolates,
 * zero-width characters, the byte-order mark): a command could look like another with them.
 */
const HIDDEN = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;

/** A call as the person reads it before saying yes: terminal-safe, with hidden characters shown as `<U+202E>`. */
export function shownCall(text: string): string {
  return sanitizeForTerminal(text).replace(
    HIDDEN,
    (ch) => `<U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}>`,
  );
}

/** A result as shown: its first lines, and how many more the model got. */
export function shownResult(text: string, rows = RESULT_ROWS): string {
  const lines = sanitizeForTerminal(text.replace(/\s+$/, "")).split("\n");
  if (lines.length <= rows) return lines.join("\n");
  const more = lines.length - rows;
  return `${lines.slice(0, rows).join("\n")}\n[… ${more} more line${more === 1 ? "" : "s"} sent to the model]`;
}

/** A row of its own: the role's tag, what it is about, then the text as it is shown. */
function Row({ role, about, text, dim }: { role: "assistant" | "tool"; about: string; text: string; dim?: boolean }) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>
        <Text bold color={ROLE_STYLES[role].color}>
          {ROLE_STYLES[role].label}
        </Text>
        <Text color={theme.muted}>{` · ${about}`}</Text>
      </Text>
      <Unwrapped text={text}>
        <Text color={dim ? theme.muted : undefined}>{text}</Text>
      </Unwrapped>
    </Box>
  );
}

export function ToolCallRow({ text }: { text: string }) {
  return <Row role="assistant" about="tool call" text={shownCall(text)} />;
}

export function ToolResultRow({ name, text, ok }: { name: string; text: string; ok: boolean }) {
  return <Row role="tool" about={name} text={shownResult(text)} dim={!ok} />;
}

/** The question under a tool call: nothing runs before a yes for this very call. */
export function AskRow({ text }: { text: string }) {
  const lines = shownCall(text).split("\n");
  const safe =
    lines.length <= ASK_ROWS
      ? lines.join("\n")
      : `${lines.slice(0, ASK_ROWS).join("\n")}\n[… the call has ${lines.length} lines: the row above shows it whole]`;
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
