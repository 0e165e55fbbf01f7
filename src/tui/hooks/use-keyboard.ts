/**
 * Raw keyboard input as key events. Ink's own key names cannot tell Backspace from Delete or see
 * bracketed paste, so this listens to the input sequences Ink has already split and names them.
 * Text between the paste markers arrives as one text event, so a pasted block is one message.
 */
import { useStdin } from "ink";
import { useEffect, useRef } from "react";
import type { KeyEvent } from "../keys.js";
import { PasteReader } from "../input/paste.js";

export function useKeyboard(onKey: (event: KeyEvent) => void): void {
  const { internal_eventEmitter: emitter, setRawMode, isRawModeSupported } = useStdin();
  const handler = useRef(onKey);
  handler.current = onKey;

  useEffect(() => {
    if (!isRawModeSupported) return;
    setRawMode(true);
    return () => setRawMode(false);
  }, [isRawModeSupported, setRawMode]);

  useEffect(() => {
    const reader = new PasteReader();
    const onInput = (data: string): void => {
      for (const event of reader.push(data)) handler.current(event);
    };
    emitter.on("input", onInput);
    return () => {
      emitter.off("input", onInput);
    };
  }, [emitter]);
}
