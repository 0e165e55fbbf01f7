/**
 * Raw terminal input to key events. Ink's input parser splits stdin at escape sequences only: a
 * run of anything else (fast typing, keys sent over SSH, a burst from a multiplexer) arrives as
 * one piece that may hold text and control keys mixed. `parseInput` reads such a piece one
 * character at a time, so every key acts the same whether it came alone or with others.
 */
export type Motion = "left" | "right" | "up" | "down" | "home" | "end" | "word-left" | "word-right";

export type KeyEvent =
  | { type: "text"; text: string }
  | { type: "enter" }
  | { type: "newline" }
  | { type: "move"; motion: Motion }
  | { type: "backspace" }
  | { type: "delete" }
  | { type: "delete-word" }
  | { type: "kill-start" }
  | { type: "kill-end" }
  | { type: "tab" }
  | { type: "escape" }
  | { type: "interrupt" }
  | { type: "eof" }
  | { type: "paste-start" }
  | { type: "paste-end" }
  /** Ctrl+L: draw the screen again. */
  | { type: "redraw" }
  /** Ctrl+Z: suspend to the shell. */
  | { type: "suspend" }
  /** Ctrl+R: search earlier prompts. */
  | { type: "search" }
  /** Ctrl+G: cancel a search. */
  | { type: "cancel" }
  /** Ctrl+X: the first key of a two-key command (Ctrl+X Ctrl+E: edit in $EDITOR). */
  | { type: "prefix-x" }
  | { type: "ignored" };

const SEQUENCES: Record<string, KeyEvent> = {
  "\r": { type: "enter" },
  "\n": { type: "newline" },
  "\u001b\r": { type: "newline" },
  "\u001b\n": { type: "newline" },
  "\t": { type: "tab" },
  "\u001b": { type: "escape" },
  "\u001b\u001b": { type: "escape" },
  "\u0003": { type: "interrupt" },
  "\u0004": { type: "eof" },
  "\u007f": { type: "backspace" },
  "\b": { type: "backspace" },
  "\u001b\u007f": { type: "delete-word" },
  "\u001b\b": { type: "delete-word" },
  "\u0017": { type: "delete-word" },
  "\u001b[3~": { type: "delete" },
  "\u0015": { type: "kill-start" },
  "\u000b": { type: "kill-end" },
  "\u0001": { type: "move", motion: "home" },
  "\u0005": { type: "move", motion: "end" },
  "\u0002": { type: "move", motion: "left" },
  "\u0006": { type: "move", motion: "right" },
  "\u0010": { type: "move", motion: "up" },
  "\u000e": { type: "move", motion: "down" },
  "\u001bb": { type: "move", motion: "word-left" },
  "\u001bf": { type: "move", motion: "word-right" },
  "\u001b[200~": { type: "paste-start" },
  "\u001b[201~": { type: "paste-end" },
  // Shift+Enter where the terminal reports it: CSI-u (kitty, foot, wezterm) and xterm's
  // modifyOtherKeys.
  "\u001b[13;2u": { type: "newline" },
  "\u001b[27;2;13~": { type: "newline" },
  "\u000c": { type: "redraw" },
  "\u001a": { type: "suspend" },
  "\u0012": { type: "search" },
  "\u0007": { type: "cancel" },
  "\u0018": { type: "prefix-x" },
};

const CSI_MOTIONS: Record<string, Motion> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};

const TILDE_MOTIONS: Record<string, Motion> = { "1": "home", "7": "home", "4": "end", "8": "end" };

function parseEscape(seq: string): KeyEvent {
  // CSI or SS3 cursor keys, with an optional modifier: ESC [ 1 ; 5 D is Ctrl+Left.
  // eslint-disable-next-line no-control-regex
  const csi = /^\u001b{1,2}(?:\[|O)(?:1;(\d+))?([ABCDHF])$/.exec(seq);
  if (csi) {
    const motion = CSI_MOTIONS[csi[2] ?? ""];
    if (!motion) return { type: "ignored" };
    const modifier = Number(csi[1] ?? "1") - 1;
    const word = (modifier & 0b110) !== 0 || seq.startsWith("\u001b\u001b");
    if (word && motion === "left") return { type: "move", motion: "word-left" };
    if (word && motion === "right") return { type: "move", motion: "word-right" };
    return { type: "move", motion };
  }
  // eslint-disable-next-line no-control-regex
  const tilde = /^\u001b\[(\d+)~$/.exec(seq);
  const motion = tilde ? TILDE_MOTIONS[tilde[1] ?? ""] : undefined;
  return motion ? { type: "move", motion } : { type: "ignored" };
}

/** Names one input sequence. Plain text may hold several characters (a paste, fast typing). */
export function parseKey(seq: string): KeyEvent {
  const known = SEQUENCES[seq];
  if (known) return known;
  if (seq.startsWith("\u001b")) return parseEscape(seq);
  // eslint-disable-next-line no-control-regex
  if (seq.length === 1 && /[\u0000-\u001f]/.test(seq)) return { type: "ignored" };
  return { type: "text", text: seq };
}

/**
 * Splits a run of typed (not pasted) input into keys, one character at a time: text runs stay
 * together, and every control character is the key it stands for (Backspace, Ctrl+A, Tab...).
 */
export function splitTyped(text: string): KeyEvent[] {
  const out: KeyEvent[] = [];
  let run = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0)) {
      run += ch;
      continue;
    }
    if (run) out.push({ type: "text", text: run });
    run = "";
    const key = SEQUENCES[ch];
    if (key) out.push(key);
  }
  if (run) out.push({ type: "text", text: run });
  return out;
}

/**
 * All the keys in one piece of input as Ink split it. Esc followed by a character that makes
 * no Alt combination is Esc, then that character: Esc typed just before other keys is kept.
 */
export function parseInput(seq: string): KeyEvent[] {
  const known = SEQUENCES[seq];
  if (known) return [known];
  if (seq.startsWith("\u001b")) {
    const rest = seq.slice(1);
    if (rest.length > 0 && !rest.startsWith("[") && !rest.startsWith("O") && !rest.startsWith("\u001b")) {
      return [{ type: "escape" }, ...splitTyped(rest)];
    }
    return [parseEscape(seq)];
  }
  return splitTyped(seq);
}

/** Text pasted between bracketed-paste markers: line ends normalised, other controls dropped. */
export function cleanPaste(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, "\n").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "");
}
