import { Box, Text } from "ink";
import { memo } from "react";
import { theme } from "../theme.js";

export interface StatusLineProps {
  /** The status figures, already joined (see `statusParts`). */
  text: string;
  hint: string | undefined;
  /** Messages waiting for the reply to end (see `queuedLine`). */
  queued?: string | undefined;
  exitArmed: boolean;
}

/** Hints, then the status line; plain props so it re-renders only when they change. */
export const StatusLine = memo(function StatusLine({ text, hint, queued, exitArmed }: StatusLineProps) {
  return (
    <Box flexDirection="column">
      {queued ? <Text color={theme.marker}>{queued}</Text> : null}
      {exitArmed ? <Text color={theme.marker}>Press Ctrl+C again to exit</Text> : null}
      {hint && !exitArmed ? <Text dimColor>{hint}</Text> : null}
      <Text dimColor wrap="truncate-end">
        {text}
      </Text>
    </Box>
  );
});
