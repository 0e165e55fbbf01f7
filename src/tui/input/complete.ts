/** Tab in the input: completes an `@path` (or `/file path`), else a slash command or its argument. */
import { completeCommand } from "../commands/dispatch.js";
import { editorWith, type EditorState } from "../editor.js";
import { completePath } from "./attachments.js";

export interface Completed {
  /** The input after the completion, when it changed. */
  editor: EditorState | undefined;
  /** The candidates, when more than one could follow. */
  hint: string | undefined;
}

function commonPrefix(options: readonly string[]): string | undefined {
  return options.reduce<string | undefined>((p, o) => {
    if (p === undefined) return o;
    let i = 0;
    while (i < p.length && p[i] === o[i]) i++;
    return p.slice(0, i);
  }, undefined);
}

export function completeInput(editor: EditorState, cwd: string): Completed {
  const { text, cursor } = editor;
  const before = text.slice(0, cursor);
  const mention = /(?:^|\s)@(\S*)$/.exec(before) ?? /^\/file\s+(\S*)$/.exec(before);
  if (mention) {
    const partial = mention[1] ?? "";
    const options = completePath(partial, cwd);
    const prefix = commonPrefix(options);
    let next: EditorState | undefined;
    if (prefix !== undefined && prefix.length > partial.length) {
      const done = options.length === 1 && !prefix.endsWith("/") ? " " : "";
      const head = before.slice(0, before.length - partial.length);
      next = { text: head + prefix + done + text.slice(cursor), cursor: (head + prefix + done).length };
    }
    return { editor: next, hint: options.length > 1 ? options.slice(0, 20).join("  ") : undefined };
  }
  const { text: completed, candidates } = completeCommand(text);
  return {
    editor: completed !== undefined ? editorWith(completed) : undefined,
    hint: candidates.length > 1 ? candidates.join("  ") : undefined,
  };
}
