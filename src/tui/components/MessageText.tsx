import { Text } from "ink";
import { useMemo } from "react";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import { renderMarkdown } from "../markdown.js";

/** Model or user text, made terminal-safe, rendered as Markdown when asked. */
export function MessageText({ text, markdown }: { text: string; markdown: boolean }) {
  const shown = useMemo(() => {
    const safe = sanitizeForTerminal(text);
    return markdown ? renderMarkdown(safe) : safe;
  }, [text, markdown]);
  return <Text>{shown}</Text>;
}
