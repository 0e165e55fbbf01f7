/** What a section that compares parley with the peer at several thread counts is given. */
import type { Peer } from "./peer.ts";

export interface SectionOptions {
  model: string;
  label: string;
  runs: number;
  /** Thread counts to measure at; for whole-job figures, the peer's, whose best is the reference. */
  threads: number[];
  peer: Peer | undefined;
  log: (line: string) => void;
}

/** The peer's thread count with the lowest median wall time, and that time; none without figures. */
export function fastestThreads(
  threads: readonly number[],
  wallMs: (threads: number) => number,
): { threads: number; wallMs: number } | undefined {
  let best: { threads: number; wallMs: number } | undefined;
  for (const t of threads) {
    const wall = wallMs(t);
    if (Number.isFinite(wall) && (!best || wall < best.wallMs)) best = { threads: t, wallMs: wall };
  }
  return best;
}
