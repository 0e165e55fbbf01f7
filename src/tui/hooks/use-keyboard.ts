/**
 * Raw keyboard input as key events. Ink's own key names cannot tell Backspace from Delete or see
 * bracketed paste, so this listens to the input sequences Ink has already split and names them.
 * Text between the paste markers arrives as one text event, so a pasted block is one message.
 */
import { useStdin } from "ink";
import { useEffect, useRef } from "react";
import { cleanPaste, parseInput, parseKey, type KeyEvent } from "../keys.js";

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
    let pasting = false;
    let pasted = "";
    const onInput = (data: string): void => {
      const key = parseKey(data);
      if (pasting) {
        if (key.type !== "paste-end") {
          pasted += data;
          return;
        }
        pasting = false;
        const text = cleanPaste(pasted);
        pasted = "";
        if (text) handler.current({ type: "text", text });
        return;
      }
      if (key.type === "paste-start") {
        pasting = true;
        return;
      }
      for (const event of parseInput(data)) handler.current(event);
    };
    emitter.on("input", onInput);
    return () => {
      emitter.off("input", onInput);
    };
  }, [emitter]);
}
