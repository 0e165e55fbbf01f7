/** Plain text output: the answer streamed as it comes; reasoning shown only when asked. */
import type { ChatListener } from "../chat/events.js";
import { sanitizeForTerminal } from "./sanitize.js";

export interface TextWriterOptions {
  write: (text: string) => void;
  /** Neutralise control characters (stdout is a terminal and `--raw` was not given). */
  sanitize: boolean;
  showReasoning: boolean;
  /** Wrap reasoning in dim SGR codes (colour is on). */
  dim: boolean;
}

const DIM = "\u001b[2m";
const RESET = "\u001b[22m";

export function textWriter(options: TextWriterOptions): ChatListener {
  const clean = options.sanitize ? sanitizeForTerminal : (t: string) => t;
  let inReasoning = false;
  let wroteContent = false;
  let endsWithNewline = true;
  const put = (text: string): void => {
    if (!text) return;
    options.write(text);
    endsWithNewline = text.endsWith("\n");
  };
  const closeReasoning = (): void => {
    if (!inReasoning) return;
    inReasoning = false;
    put(`${options.dim ? RESET : ""}${endsWithNewline ? "" : "\n"}\n`);
  };
  return (event) => {
    switch (event.type) {
      case "reasoning":
        if (!options.showReasoning) return;
        if (!inReasoning) {
          inReasoning = true;
          if (options.dim) options.write(DIM);
        }
        put(clean(event.text));
        return;
      case "token":
        closeReasoning();
        wroteContent = true;
        put(clean(event.text));
        return;
      case "tool-call":
        // A call is shown on a line of its own: its name, then its arguments as they come.
        closeReasoning();
        wroteContent = true;
        if (event.arguments === "") put(`${endsWithNewline ? "" : "\n"}[call ${clean(event.name)}] `);
        else put(clean(event.arguments));
        return;
      case "done":
        closeReasoning();
        if (wroteContent && !endsWithNewline) put("\n");
        return;
      case "start":
      case "prompt":
      case "notice":
      case "error":
        return;
    }
  };
}
