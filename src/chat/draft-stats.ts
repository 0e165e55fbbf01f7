/** The acceptance of a token predictor's proposals, in words, for `--stats` and `/stats`. */
import type { Timings } from "./types.js";

/** "96 of 120 drafted tokens accepted (80%)", or undefined when no predictor was used. */
export function draftSummary(t: Timings): string | undefined {
  if (t.draft_n === undefined) return undefined;
  const accepted = t.draft_n_accepted ?? 0;
  const rate = t.draft_n > 0 ? ` (${Math.round((100 * accepted) / t.draft_n)}%)` : "";
  return `${accepted} of ${t.draft_n} drafted tokens accepted${rate}`;
}
