/** The input editor's state with history recall (Up on the first line, Down on the last). */
import { useCallback, useRef, useState } from "react";
import {
  EMPTY_EDITOR,
  backspace,
  deleteForward,
  deleteWordBack,
  editorWith,
  insertText,
  isOnFirstLine,
  isOnLastLine,
  killToEnd,
  killToStart,
  move,
  type EditorState,
} from "../editor.js";
import type { KeyEvent } from "../keys.js";

export interface PromptEditor {
  editor: EditorState;
  /** The state after every key handled so far, ahead of the next render. */
  current(): EditorState;
  set(state: EditorState): void;
  /** Applies an editing key; returns false for keys it does not handle. */
  edit(event: KeyEvent): boolean;
  /** Records a sent prompt in the recall list. */
  remember(text: string): void;
  /** The earlier prompts, oldest first. */
  earlier(): readonly string[];
}

export function usePromptEditor(initialHistory: readonly string[]): PromptEditor {
  const [editor, setEditorState] = useState<EditorState>(EMPTY_EDITOR);
  // Several keys can arrive in one read ("hello" then Enter): each must see the one before.
  const current = useRef<EditorState>(EMPTY_EDITOR);
  const setEditor = useCallback((state: EditorState) => {
    current.current = state;
    setEditorState(state);
  }, []);
  const history = useRef<string[]>([...initialHistory]);
  const position = useRef<number | undefined>(undefined);
  const draft = useRef("");

  const set = useCallback(
    (state: EditorState) => {
      position.current = undefined;
      setEditor(state);
    },
    [setEditor],
  );

  const recall = (older: boolean): boolean => {
    const list = history.current;
    if (older) {
      if (list.length === 0) return true;
      if (position.current === undefined) {
        draft.current = current.current.text;
        position.current = list.length - 1;
      } else if (position.current > 0) position.current -= 1;
      setEditor(editorWith(list[position.current] ?? ""));
      return true;
    }
    if (position.current === undefined) return true;
    position.current += 1;
    if (position.current >= list.length) {
      position.current = undefined;
      setEditor(editorWith(draft.current));
    } else setEditor(editorWith(list[position.current] ?? ""));
    return true;
  };

  const edit = (event: KeyEvent): boolean => {
    const editor = current.current;
    const change = (next: EditorState): boolean => {
      if (next !== editor) setEditor(next);
      return true;
    };
    switch (event.type) {
      case "text":
        return change(insertText(editor, event.text));
      case "newline":
        return change(insertText(editor, "\n"));
      case "backspace":
        return change(backspace(editor));
      case "delete":
        return change(deleteForward(editor));
      case "delete-word":
        return change(deleteWordBack(editor));
      case "kill-start":
        return change(killToStart(editor));
      case "kill-end":
        return change(killToEnd(editor));
      case "move":
        if (event.motion === "up" && isOnFirstLine(editor)) return recall(true);
        if (event.motion === "down" && isOnLastLine(editor)) return recall(false);
        return change(move(editor, event.motion));
      case "enter":
      case "tab":
      case "escape":
      case "interrupt":
      case "eof":
      case "paste-start":
      case "paste-end":
      case "redraw":
      case "suspend":
      case "search":
      case "cancel":
      case "prefix-x":
      case "ignored":
        return false;
    }
  };

  const remember = useCallback((text: string) => {
    const list = history.current.filter((h) => h !== text);
    list.push(text);
    history.current = list;
    position.current = undefined;
  }, []);

  const read = useCallback(() => current.current, []);
  const earlier = useCallback(() => history.current, []);
  return { editor, current: read, set, edit, remember, earlier };
}
