/**
 * Input pieces to key events, with bracketed paste: text between the paste markers is one text
 * event. A large paste arrives in many reads, and a marker can be cut between two of them; Ink
 * then hands the first part on alone (a lone escape sequence it gave up waiting for). So the end
 * marker is looked for in the paste as gathered, not in each piece, and keys after it in the same
 * piece are read as keys; a start marker cut short is held for the next piece. No key is lost.
 */
import { cleanPaste, parseInput, type KeyEvent } from "../keys.js";

export const PASTE_START = "\u001b[200~";
export const PASTE_END = "\u001b[201~";

export class PasteReader {
  private pasting = false;
  private pasted = "";
  /** The start of a paste marker, cut short at the end of the last piece. */
  private held = "";

  push(data: string): KeyEvent[] {
    const out: KeyEvent[] = [];
    let input = this.held + data;
    this.held = "";
    while (input !== "") {
      if (this.pasting) {
        const from = Math.max(0, this.pasted.length - PASTE_END.length + 1);
        this.pasted += input;
        const at = this.pasted.indexOf(PASTE_END, from);
        if (at === -1) return out;
        input = this.pasted.slice(at + PASTE_END.length);
        const text = cleanPaste(this.pasted.slice(0, at));
        this.pasting = false;
        this.pasted = "";
        if (text) out.push({ type: "text", text });
        continue;
      }
      const at = input.indexOf(PASTE_START);
      if (at === -1) {
        if (input.length >= 2 && input.length < PASTE_START.length && PASTE_START.startsWith(input)) {
          this.held = input;
          return out;
        }
        out.push(...parseInput(input));
        return out;
      }
      if (at > 0) out.push(...parseInput(input.slice(0, at)));
      this.pasting = true;
      input = input.slice(at + PASTE_START.length);
    }
    return out;
  }
}
