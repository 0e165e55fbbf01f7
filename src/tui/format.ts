/** Small text formatters for the status line and command output. */
import type { Phase, ScreenState } from "./screen-state.js";

export function formatContext(used: number, size: number): string {
  const pct = size > 0 ? Math.round((used / size) * 100) : 0;
  return `ctx ${used}/${size} (${pct}%)`;
}

const PHASE_TEXT: Record<Phase, string> = { loading: "loading", idle: "idle", generating: "generating" };

const KEY_HINTS: Record<Phase, string> = {
  loading: "Ctrl+C quit",
  idle: "Enter send · Alt+Enter newline · /help",
  generating: "Esc/Ctrl+C stop",
};

/** The status line's parts, left to right. */
export function statusParts(state: ScreenState): string[] {
  const parts: string[] = [];
  if (state.phase === "loading") parts.push(`loading ${Math.round(state.loadProgress * 100)}%`);
  else parts.push(PHASE_TEXT[state.phase], formatContext(state.contextUsed, state.contextSize));
  if (state.last) parts.push(`last ${state.last.completionTokens} tok, ${state.last.tokensPerSecond.toFixed(1)} tok/s`);
  parts.push(KEY_HINTS[state.phase]);
  return parts;
}
