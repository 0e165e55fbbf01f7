import { Box, Text } from "ink";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import type { LiveReply as LiveReplyState } from "../screen-state.js";
import { MessageText } from "./MessageText.js";
import { RoleLabel } from "./RoleLabel.js";

/** The one part of the transcript that changes: the tail of the reply being written. */
export function LiveReply({ live, markdown }: { live: LiveReplyState; markdown: boolean }) {
  const reasoning = live.reasoning.replace(/\s+$/, "");
  const showLabel = !live.labelShown;
  if (!showLabel && !reasoning && !live.content) return null;
  return (
    <Box flexDirection="column" marginTop={showLabel ? 1 : 0}>
      {showLabel ? <RoleLabel role="assistant" /> : null}
      {reasoning ? <Text dimColor>{sanitizeForTerminal(reasoning)}</Text> : null}
      {live.content ? <MessageText text={live.content} markdown={markdown} /> : null}
    </Box>
  );
}
