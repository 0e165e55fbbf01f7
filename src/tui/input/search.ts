/** Ctrl+R: searching earlier prompts, newest first, for a text typed bit by bit. */
import type { EditorState } from "../editor.js";

export interface HistorySearch {
  query: string;
  /** The index of the prompt shown, in the list oldest first; undefined when none matches. */
  index: number | undefined;
  /** The input as it was before the search, given back on Esc. */
  saved: EditorState;
}

/** The newest prompt below `before` that holds `query` (case-insensitive). */
export function findOlder(list: readonly string[], query: string, before: number): number | undefined {
  const q = query.toLowerCase();
  for (let i = Math.min(before, list.length) - 1; i >= 0; i--) {
    if ((list[i] ?? "").toLowerCase().includes(q)) return i;
  }
  return undefined;
}

export function searchHint(search: HistorySearch): string {
  const found = search.index === undefined && search.query !== "" ? " (no match)" : "";
  return `search earlier prompts: "${search.query}"${found} · Ctrl+R older · Enter take · Esc cancel`;
}
