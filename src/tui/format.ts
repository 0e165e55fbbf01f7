/** Small text formatters for the status line and command output. */
import type { Phase, ScreenState } from "./screen-state.js";

/** From this share of the context on, the status line warns. */
export const NEARLY_FULL = 0.9;

/** The context in use, never shown above the context's size (100%). */
export function formatContext(used: number, size: number): string {
  const shown = size > 0 ? Math.min(used, size) : used;
  const pct = size > 0 ? Math.round((shown / size) * 100) : 0;
  return `ctx ${shown}/${size} (${pct}%)`;
}

const PHASE_TEXT: Record<Phase, string> = { loading: "loading", idle: "idle", generating: "generating" };

const KEY_HINTS: Record<Phase, string> = {
  loading: "Ctrl+C quit",
  idle: "Enter send · Alt+Enter newline · /help",
  generating: "Esc/Ctrl+C stop",
};

/** The context in use now: while a reply streams, its prompt and the tokens written so far. */
export function contextInUse(state: ScreenState): number {
  const s = state.streaming;
  if (state.phase === "generating" && s?.promptTokens !== undefined) return s.promptTokens + s.tokens;
  return state.contextUsed;
}

/** The row that shows messages waiting for the reply to end, or undefined when none wait. */
export function queuedLine(queued: readonly string[]): string | undefined {
  if (queued.length === 0) return undefined;
  // eslint-disable-next-line no-control-regex
  const first = (queued[0] ?? "").replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  const short = first.length > 24 ? `${first.slice(0, 23)}…` : first;
  const more = queued.length > 1 ? ` (+${queued.length - 1})` : "";
  return `queued: "${short}"${more} · sent when the reply ends · Esc takes it back`;
}

/** The row shown while the model loads: its progress, or what the load waits for. */
export function loadingLine(state: ScreenState): string {
  if (state.loadNotice !== undefined) return `${state.loadNotice} · Ctrl+C gives up`;
  return `Loading the model… ${Math.round(state.loadProgress * 100)}%`;
}

/** The key hint while a tool call waits for an answer. */
export const ASKING_KEYS = "y run it · n or Esc: no";

/** The status line's parts, left to right. */
export function statusParts(state: ScreenState): string[] {
  const parts: string[] = [];
  if (state.phase === "loading")
    parts.push(state.loadNotice !== undefined ? "waiting" : `loading ${Math.round(state.loadProgress * 100)}%`);
  else {
    const used = contextInUse(state);
    const phase = state.asking
      ? "asking"
      : state.runningTool !== undefined
        ? `running ${state.runningTool}`
        : PHASE_TEXT[state.phase];
    parts.push(phase, formatContext(used, state.contextSize));
    if (state.contextSize > 0 && used >= state.contextSize * NEARLY_FULL) {
      parts.push("context nearly full: /compact or /clear");
    }
  }
  if (state.phase === "generating" && state.streaming) {
    const s = state.streaming;
    parts.push(`${s.tokens} tok, ${s.tokensPerSecond.toFixed(1)} tok/s`);
  } else if (state.last) {
    const { completionTokens, tokensPerSecond, estimated } = state.last;
    const count = estimated ? `about ${completionTokens} tok (estimated)` : `${completionTokens} tok`;
    parts.push(`last ${count}, ${tokensPerSecond.toFixed(1)} tok/s`);
  }
  if (state.phase === "idle" && state.continuable) parts.push("/continue goes on");
  parts.push(state.asking ? ASKING_KEYS : KEY_HINTS[state.phase]);
  return parts;
}
