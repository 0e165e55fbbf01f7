import { Box, Text, useStdout } from "ink";
import { helpText } from "../commands/help.js";
import { theme } from "../theme.js";

/** /help as rows that fit the terminal's width now (a redraw after a resize lays them out again). */
export function Help() {
  const { stdout } = useStdout();
  return (
    <Box marginTop={1}>
      <Text color={theme.muted}>{helpText(stdout.columns || 80)}</Text>
    </Box>
  );
}
