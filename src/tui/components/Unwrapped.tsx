import { Box, Text } from "ink";
import type { ReactNode } from "react";

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[\d;]*m/g;

/**
 * How many columns the widest line of `text` may take: each character counts once, and twice
 * when it may be a wide (East Asian, emoji) character, so the figure is never too small.
 */
export function widestLine(text: string): number {
  let widest = 0;
  for (const line of text.replace(SGR, "").split("\n")) {
    let width = 0;
    for (const ch of line) width += (ch.codePointAt(0) ?? 0) >= 0x1100 ? 2 : 1;
    widest = Math.max(widest, width);
  }
  return widest;
}

/**
 * Text that Ink does not wrap: its box is as wide as its widest line, so a long line is written
 * as one line and the terminal wraps it softly. A mouse copy then gives the line back whole, and
 * the terminal reflows it when resized. Only for rows printed once, above the live region.
 */
export function Unwrapped({ text, children }: { text: string; children?: ReactNode }) {
  return (
    <Box width={Math.max(1, widestLine(text))} flexShrink={0}>
      {children ?? <Text>{text}</Text>}
    </Box>
  );
}
