import { Box, Text } from "ink";
import type { ReactNode } from "react";
import { theme } from "../theme.js";

/** The label above shown reasoning: without colour, dim text looks like the answer. */
export const THINKING_LABEL = "thinking";

/**
 * Reasoning shown in full: a `thinking` row, then the text indented under it (and dimmed where
 * there is colour), so it never reads as the answer that follows it.
 */
export function Thinking({ children }: { children: ReactNode }) {
  return (
    <Box flexDirection="column">
      <Text color={theme.muted} italic>
        {THINKING_LABEL}
      </Text>
      <Box flexDirection="column" paddingLeft={2}>
        {children}
      </Box>
    </Box>
  );
}
