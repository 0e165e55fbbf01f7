import { Text } from "ink";
import { useMemo } from "react";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import { renderMarkdown } from "../markdown.js";
import { Unwrapped } from "./Unwrapped.js";

/** Model or user text, made terminal-safe, rendered as Markdown when asked, never hard-wrapped. */
export function MessageText({ text, markdown, dim }: { text: string; markdown: boolean; dim?: boolean }) {
  const shown = useMemo(() => {
    const safe = sanitizeForTerminal(text);
    return markdown ? renderMarkdown(safe) : safe;
  }, [text, markdown]);
  return (
    <Unwrapped text={shown}>
      <Text dimColor={dim ?? false}>{shown}</Text>
    </Unwrapped>
  );
}
