/**
 * What the chat screen asks of the terminal itself: writing escape sequences, drawing everything
 * again (Ctrl+L, a change of width), suspending to the shell, and handing the input to $EDITOR.
 */
import { useStdin, useStdout } from "ink";
import { useEffect, useRef } from "react";
import { ParleyError } from "../../errors.js";
import { CLEAR_SCREEN } from "../commands/types.js";
import { editorWith } from "../editor.js";
import { editExternally, suspend, type TerminalHandle } from "../input/terminal.js";
import type { ScreenAction } from "../screen-state.js";
import type { PromptEditor } from "./use-prompt-editor.js";

/** What the keys can ask of the terminal itself. */
export interface TerminalActions {
  redraw: () => void;
  suspend: () => void;
  /** Opens the text in $VISUAL/$EDITOR and returns the edited text. */
  edit: (text: string) => string;
}

export interface Terminal extends TerminalActions {
  /** Writes an escape sequence to the terminal. */
  write: (sequence: string) => void;
  /** The input's text goes to $VISUAL/$EDITOR and comes back edited; a failure is an error row. */
  editInput: (prompt: PromptEditor) => void;
}

/** How long the width must stay the same after a resize before the screen is drawn again. */
const RESIZE_SETTLE_MS = 150;

export function useTerminal(dispatch: (action: ScreenAction) => void, write?: (sequence: string) => void): Terminal {
  const { stdout } = useStdout();
  const { stdin } = useStdin();
  const writeTerminal = write ?? ((s: string) => void stdout.write(s));
  const handle: TerminalHandle = {
    setRawMode: (on) => {
      if (stdin.isTTY) stdin.setRawMode(on);
    },
    write: writeTerminal,
  };
  const redraw = (): void => {
    writeTerminal(CLEAR_SCREEN);
    dispatch({ type: "redraw" });
  };
  const edit = (text: string): string => editExternally(handle, text);
  const terminal: Terminal = {
    write: writeTerminal,
    redraw,
    suspend: () => {
      suspend(handle);
      redraw();
    },
    edit,
    editInput: (prompt) => {
      try {
        prompt.set(editorWith(edit(prompt.current().text)));
      } catch (err) {
        const text = err instanceof ParleyError ? err.message : String(err);
        dispatch({ type: "add", item: { kind: "notice", level: "error", text } });
      }
      redraw();
    },
  };

  // A terminal that changes width reflows the rows Ink drew last, so Ink's count of rows to erase
  // no longer matches them and a copy of the input box and status line stays behind: the screen
  // is drawn again instead, once the resizing settles.
  const redrawLater = useRef(redraw);
  redrawLater.current = redraw;
  useEffect(() => {
    let columns = stdout.columns;
    let timer: NodeJS.Timeout | undefined;
    const onResize = (): void => {
      if (stdout.columns === columns) return;
      columns = stdout.columns;
      clearTimeout(timer);
      timer = setTimeout(() => redrawLater.current(), RESIZE_SETTLE_MS);
    };
    stdout.on("resize", onResize);
    return () => {
      clearTimeout(timer);
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return terminal;
}
