/** The input editor as pure functions over text and a cursor (an index into the text). */
import type { Motion } from "./keys.js";

export interface EditorState {
  text: string;
  cursor: number;
}

export const EMPTY_EDITOR: EditorState = { text: "", cursor: 0 };

export function editorWith(text: string): EditorState {
  return { text, cursor: text.length };
}

export function insertText(state: EditorState, text: string): EditorState {
  const { text: t, cursor } = state;
  return { text: t.slice(0, cursor) + text + t.slice(cursor), cursor: cursor + text.length };
}

/** The length of the character before the cursor, so a surrogate pair is removed whole. */
function charBefore(text: string, cursor: number): number {
  if (cursor <= 0) return 0;
  const code = text.charCodeAt(cursor - 1);
  return code >= 0xdc00 && code <= 0xdfff && cursor >= 2 ? 2 : 1;
}

function charAfter(text: string, cursor: number): number {
  if (cursor >= text.length) return 0;
  const code = text.charCodeAt(cursor);
  return code >= 0xd800 && code <= 0xdbff && cursor + 1 < text.length ? 2 : 1;
}

export function backspace(state: EditorState): EditorState {
  const n = charBefore(state.text, state.cursor);
  if (n === 0) return state;
  return { text: state.text.slice(0, state.cursor - n) + state.text.slice(state.cursor), cursor: state.cursor - n };
}

export function deleteForward(state: EditorState): EditorState {
  const n = charAfter(state.text, state.cursor);
  if (n === 0) return state;
  return { text: state.text.slice(0, state.cursor) + state.text.slice(state.cursor + n), cursor: state.cursor };
}

function lineStart(text: string, cursor: number): number {
  return text.lastIndexOf("\n", cursor - 1) + 1;
}

function lineEnd(text: string, cursor: number): number {
  const end = text.indexOf("\n", cursor);
  return end === -1 ? text.length : end;
}

export function wordLeft(text: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && /\s/.test(text[i - 1] ?? "")) i--;
  while (i > 0 && !/\s/.test(text[i - 1] ?? "")) i--;
  return i;
}

export function wordRight(text: string, cursor: number): number {
  let i = cursor;
  while (i < text.length && /\s/.test(text[i] ?? "")) i++;
  while (i < text.length && !/\s/.test(text[i] ?? "")) i++;
  return i;
}

export function deleteWordBack(state: EditorState): EditorState {
  const start = wordLeft(state.text, state.cursor);
  return { text: state.text.slice(0, start) + state.text.slice(state.cursor), cursor: start };
}

/** Ctrl+U: removes from the start of the cursor's line to the cursor. */
export function killToStart(state: EditorState): EditorState {
  const start = lineStart(state.text, state.cursor);
  return { text: state.text.slice(0, start) + state.text.slice(state.cursor), cursor: start };
}

/** Ctrl+K: removes from the cursor to the end of its line (or the line break there). */
export function killToEnd(state: EditorState): EditorState {
  const end = lineEnd(state.text, state.cursor);
  const to = end === state.cursor && end < state.text.length ? end + 1 : end;
  return { text: state.text.slice(0, state.cursor) + state.text.slice(to), cursor: state.cursor };
}

export function isOnFirstLine(state: EditorState): boolean {
  return !state.text.slice(0, state.cursor).includes("\n");
}

export function isOnLastLine(state: EditorState): boolean {
  return !state.text.slice(state.cursor).includes("\n");
}

function moveVertical(state: EditorState, down: boolean): number {
  const { text, cursor } = state;
  const start = lineStart(text, cursor);
  const column = cursor - start;
  if (down) {
    const end = lineEnd(text, cursor);
    if (end >= text.length) return cursor;
    const nextEnd = lineEnd(text, end + 1);
    return Math.min(end + 1 + column, nextEnd);
  }
  if (start === 0) return cursor;
  const prevStart = lineStart(text, start - 1);
  return Math.min(prevStart + column, start - 1);
}

export function move(state: EditorState, motion: Motion): EditorState {
  const { text, cursor } = state;
  const to = ((): number => {
    switch (motion) {
      case "left":
        return cursor - charBefore(text, cursor);
      case "right":
        return cursor + charAfter(text, cursor);
      case "home":
        return lineStart(text, cursor);
      case "end":
        return lineEnd(text, cursor);
      case "word-left":
        return wordLeft(text, cursor);
      case "word-right":
        return wordRight(text, cursor);
      case "up":
        return moveVertical(state, false);
      case "down":
        return moveVertical(state, true);
    }
  })();
  return to === cursor ? state : { text, cursor: to };
}

let graphemes: Intl.Segmenter | undefined;

/**
 * What the cursor at `index` stands on, as drawn: the whole character there (both halves of a
 * surrogate pair, an emoji with its skin tone or joined parts), never half of one.
 */
export function cellAt(text: string, index: number): string {
  if (index >= text.length) return "";
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  const segment = graphemes.segment(text).containing(index);
  if (segment && segment.index === index) return segment.segment;
  // Inside a cluster (the cursor moves by code point): the code point there.
  return String.fromCodePoint(text.codePointAt(index) ?? 0x20);
}
