import { Box, Text } from "ink";
import { memo } from "react";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import { tailRows, type LiveLimit } from "../chunking.js";
import type { LiveReply as LiveReplyState } from "../screen-state.js";
import { RoleLabel } from "./RoleLabel.js";
import { Thinking } from "./Thinking.js";

/**
 * One line of the live tail. Lines are separate nodes so that a frame lays out and wraps only
 * the line that grew, not the whole tail; an empty line keeps its row.
 */
const Line = memo(function Line({ text, dim }: { text: string; dim: boolean }) {
  return <Text dimColor={dim}>{text === "" ? " " : sanitizeForTerminal(text)}</Text>;
});

function Lines({ text, dim }: { text: string; dim: boolean }) {
  return (
    <>
      {text.split("\n").map((line, i) => (
        <Line key={i} text={line} dim={dim} />
      ))}
    </>
  );
}

/**
 * The one part of the transcript that changes: the tail of the reply being written, shown as
 * plain terminal-safe text. Markdown is applied to a block once it is finished and frozen into
 * the transcript; parsing the growing tail again on every frame would take CPU from generation.
 * Reasoning is frozen only when it ends, so only its last rows are shown while it streams.
 */
export const LiveReply = memo(function LiveReply({ live, limit }: { live: LiveReplyState; limit: LiveLimit }) {
  const reasoning = live.reasoning.replace(/\s+$/, "");
  const showLabel = !live.labelShown;
  if (!showLabel && !reasoning && !live.content) return null;
  const gap = showLabel || (live.content !== "" && !live.continues);
  return (
    <Box flexDirection="column" marginTop={gap ? 1 : 0}>
      {showLabel ? <RoleLabel role="assistant" /> : null}
      {reasoning ? (
        <Thinking>
          <Lines
            text={tailRows(reasoning, { columns: Math.max(1, limit.columns - 2), rows: Math.max(1, limit.rows - 1) })}
            dim
          />
        </Thinking>
      ) : null}
      {live.content ? <Lines text={live.content} dim={false} /> : null}
    </Box>
  );
});
