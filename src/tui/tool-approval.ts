/**
 * The yes or no asked before a tool call runs, as keys. Only a `y` pressed on its own, once the
 * question has been on screen for a moment, is a yes: keys typed before it appeared (and still
 * arriving), a burst of typing or a paste that holds a `y` never approve anything. Esc and
 * Ctrl+C always say no.
 */
import type { KeyEvent } from "./keys.js";

/** How long after the question appears its keys are not taken as an answer. */
export const ASK_GUARD_MS = 400;

/** The hint when a key did not answer the question. */
export const ASK_HINT = "press y to run the tool call, or n (or Esc) to decline it";

export type AskKey =
  /** Run this call. */
  | "yes"
  /** Do not run it: the model is told so. */
  | "no"
  /** Do not run it, nor any other call of this reply, and ask for no further reply. */
  | "stop"
  /** Not an answer (too early, a burst, another key): the hint says which keys answer. */
  | "other";

export function askKey(event: KeyEvent, shownAt: number, now: number): AskKey {
  if (event.type === "interrupt") return "stop";
  if (event.type === "escape") return "no";
  if (event.type !== "text") return "other";
  if (now - shownAt < ASK_GUARD_MS) return "other";
  if (event.text === "y" || event.text === "Y") return "yes";
  if (event.text === "n" || event.text === "N") return "no";
  return "other";
}
