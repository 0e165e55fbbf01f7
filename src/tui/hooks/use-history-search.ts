/** Ctrl+R in the input: searching earlier prompts, one key at a time, until a key ends it. */
import { useRef } from "react";
import { editorWith } from "../editor.js";
import { findOlder, searchHint, type HistorySearch } from "../input/search.js";
import type { KeyEvent } from "../keys.js";
import type { ScreenAction } from "../screen-state.js";
import type { PromptEditor } from "./use-prompt-editor.js";

export interface HistorySearchKeys {
  /** Ctrl+R from the input: a search starts. */
  start: () => void;
  /** A key while searching: true when the search took it; false when none runs or the key ends it and goes on. */
  key: (event: KeyEvent) => boolean;
}

export function useHistorySearch(prompt: PromptEditor, dispatch: (action: ScreenAction) => void): HistorySearchKeys {
  const search = useRef<HistorySearch | undefined>(undefined);

  const show = (next: HistorySearch): void => {
    search.current = next;
    const list = prompt.earlier();
    prompt.set(next.index === undefined ? next.saved : editorWith(list[next.index] ?? ""));
    dispatch({ type: "hint", text: searchHint(next) });
  };

  const end = (restore: boolean): void => {
    const s = search.current;
    search.current = undefined;
    if (s && restore) prompt.set(s.saved);
    dispatch({ type: "hint", text: undefined });
  };

  const key = (event: KeyEvent): boolean => {
    const s = search.current;
    if (!s) return false;
    const list = prompt.earlier();
    switch (event.type) {
      case "text": {
        const query = s.query + event.text;
        show({ ...s, query, index: findOlder(list, query, (s.index ?? list.length - 1) + 1) });
        return true;
      }
      case "backspace": {
        const query = s.query.slice(0, -1);
        show({ ...s, query, index: findOlder(list, query, list.length) });
        return true;
      }
      case "search":
        show({ ...s, index: findOlder(list, s.query, s.index ?? list.length) ?? s.index });
        return true;
      case "escape":
      case "cancel":
      case "interrupt":
        end(true);
        return true;
      case "enter":
        end(false);
        return true;
      case "tab":
      case "newline":
      case "move":
      case "delete":
      case "delete-word":
      case "kill-start":
      case "kill-end":
      case "eof":
      case "redraw":
      case "suspend":
      case "prefix-x":
      case "paste-start":
      case "paste-end":
      case "ignored":
        // Any other key takes the prompt found and then does what it does.
        end(false);
        return false;
    }
  };

  const start = (): void => show({ query: "", index: undefined, saved: prompt.current() });
  return { start, key };
}
