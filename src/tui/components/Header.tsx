import { Box, Text } from "ink";
import type { HeaderInfo } from "../screen-state.js";
import { theme } from "../theme.js";

export function Header({ info }: { info: HeaderInfo }) {
  return (
    <Box>
      <Text wrap="truncate-end">
        <Text bold color={theme.accent}>
          parley
        </Text>
        <Text>{` · ${info.model} · ${info.template} · ${info.backend} · context ${info.contextSize}`}</Text>
      </Text>
    </Box>
  );
}
