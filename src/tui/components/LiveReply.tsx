import { Box, Text } from "ink";
import { memo } from "react";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import type { LiveReply as LiveReplyState } from "../screen-state.js";
import { RoleLabel } from "./RoleLabel.js";

/**
 * The one part of the transcript that changes: the tail of the reply being written, shown as
 * plain terminal-safe text. Markdown is applied to a block once it is finished and frozen into
 * the transcript; parsing the growing tail again on every frame would take CPU from generation.
 */
export const LiveReply = memo(function LiveReply({ live }: { live: LiveReplyState }) {
  const reasoning = live.reasoning.replace(/\s+$/, "");
  const showLabel = !live.labelShown;
  if (!showLabel && !reasoning && !live.content) return null;
  return (
    <Box flexDirection="column" marginTop={showLabel ? 1 : 0}>
      {showLabel ? <RoleLabel role="assistant" /> : null}
      {reasoning ? <Text dimColor>{sanitizeForTerminal(reasoning)}</Text> : null}
      {live.content ? <Text>{sanitizeForTerminal(live.content)}</Text> : null}
    </Box>
  );
});
