/**
 * Names of settings as people type them: one spelling for each (`top_p`, `topP` and `top-p` are
 * the same), and "did you mean" for a name that is close to a known one. Pure: every front end
 * (config, presets, `/set`) uses the same rules.
 */

/** Names other tools use for the same settings (ollama, llama.cpp), by their normalized spelling. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  "num-ctx": "context-size",
  "ctx-size": "context-size",
  "n-ctx": "context-size",
  "num-predict": "max-tokens",
  "n-predict": "max-tokens",
  "num-thread": "threads",
  "num-threads": "threads",
  "n-gpu-layers": "gpu-layers",
  "num-gpu": "gpu-layers",
};

/**
 * One spelling for a setting's name, the one the flags use: `top_p`, `topP`, `TOP_P`, `--top-p`
 * and `top-p` all become `top-p`; a few names of other tools (`num_ctx`, `n_predict`) become
 * parley's. A name that is not a setting comes back normalized but otherwise unchanged; spaces
 * are kept, so `"temperature "` is not `temperature`.
 */
export function normalizeKey(name: string): string {
  const kebab = name
    .replace(/^-+/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/_+/g, "-")
    .toLowerCase();
  // Own entries only: `constructor` or `toString` are names like any other, not the object's.
  return Object.hasOwn(KEY_ALIASES, kebab) ? (KEY_ALIASES[kebab] as string) : kebab;
}

/** How many single-letter edits (insert, delete, change, swap two neighbours) turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The candidate closest to `word`, when one is close enough to be a likely typo. */
export function closestWord(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const distance = editDistance(w, c.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [c, distance];
  }
  const allowed = w.length < 3 ? 0 : Math.max(1, Math.floor(w.length / 3));
  if (best !== undefined && bestDistance <= allowed) return best;
  // A unique prefix ("temp" for "temperature") or a name inside another ("ctx" in "context-size") also counts.
  const prefixed = candidates.filter((c) => w.length >= 3 && c.toLowerCase().startsWith(w));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** ` (did you mean "x"?)`, or nothing when no candidate is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const close = closestWord(word, candidates);
  return close === undefined ? "" : `; did you mean "${close}"?`;
}

/** `top_p` for `top-p`: the spelling of request bodies and other tools, accepted as a flag too. */
export function snakeFlag(flag: string): string {
  return flag.replace(/-/g, "_");
}
