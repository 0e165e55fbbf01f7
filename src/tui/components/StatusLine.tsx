import { Box, Text } from "ink";
import { statusParts } from "../format.js";
import type { ScreenState } from "../screen-state.js";
import { theme } from "../theme.js";

export function StatusLine({ state }: { state: ScreenState }) {
  return (
    <Box flexDirection="column">
      {state.exitArmed ? <Text color={theme.marker}>Press Ctrl+C again to exit</Text> : null}
      {state.hint && !state.exitArmed ? <Text dimColor>{state.hint}</Text> : null}
      <Text dimColor wrap="truncate-end">
        {statusParts(state).join(" · ")}
      </Text>
    </Box>
  );
}
