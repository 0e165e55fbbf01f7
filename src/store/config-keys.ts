/**
 * The config keys as data: each key's JSON schema, built-in default, environment variable and
 * parser. Keys are named like the command-line flags (`top-p`, `context-size`, `gpu-layers`).
 */
import { PARAM_SPECS } from "../chat/params.js";
import { TEMPLATES } from "../engine/templates.js";
import { UsageError } from "../errors.js";
import { choice, flag, paramKey, stopKey, text, wholeOrWord, type ConfigKeySpec } from "./config-kinds.js";

export type { ConfigKeySpec, ConfigValue } from "./config-kinds.js";

export const PRESET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const CONFIG_KEYS: readonly ConfigKeySpec[] = [
  text({ key: "model", help: "the model to load when -m is not given", defaultValue: undefined, defaultText: "none" }),
  ...PARAM_SPECS.map(paramKey),
  stopKey(),
  wholeOrWord(
    {
      key: "context-size",
      help: "context window in tokens",
      defaultValue: undefined,
      defaultText: "the model's, at most 8192",
    },
    16,
    10_000_000,
    ["auto"],
  ),
  wholeOrWord(
    { key: "threads", help: "CPU threads", defaultValue: undefined, defaultText: "physical cores - 1, at least 1" },
    1,
    1024,
    [],
  ),
  choice({ key: "gpu", help: "compute backend", defaultValue: "auto" }, ["auto", "cuda", "vulkan", "metal", "off"]),
  wholeOrWord({ key: "gpu-layers", help: "layers to offload to the GPU", defaultValue: "auto" }, 0, 100_000, [
    "auto",
    "max",
  ]),
  choice({ key: "template", help: "chat template", defaultValue: "auto" }, Object.keys(TEMPLATES)),
  text({ key: "system", help: "the default system prompt", defaultValue: undefined, defaultText: "none" }),
  text(
    {
      key: "preset",
      help: "the default named system prompt (wins over system)",
      defaultValue: undefined,
      defaultText: "none",
    },
    PRESET_NAME,
    "a preset name: letters, digits, '.', '_' or '-'",
  ),
  flag({ key: "markdown", help: "render Markdown in the chat screen", defaultValue: true }),
  flag({ key: "history", help: "save conversations", defaultValue: true }),
  choice(
    {
      key: "context-policy",
      help: "when a conversation no longer fits the context: leave out the oldest turns (drop) or stop",
      defaultValue: "drop",
    },
    ["drop", "stop"],
  ),
  wholeOrWord(
    { key: "snapshot-cap-mb", help: "disk space for instant-resume snapshots, in MB (0 = none)", defaultValue: 2048 },
    0,
    10_000_000,
    [],
  ),
];

export function findConfigKey(key: string): ConfigKeySpec | undefined {
  return CONFIG_KEYS.find((s) => s.key === key);
}

export function knownKeys(): string {
  return CONFIG_KEYS.map((s) => s.key).join(", ");
}

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
 * parley's. A name that is not a setting comes back normalized but otherwise unchanged.
 */
export function normalizeKey(name: string): string {
  const kebab = name
    .trim()
    .replace(/^-+/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/[_\s]+/g, "-")
    .toLowerCase();
  return KEY_ALIASES[kebab] ?? kebab;
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

/**
 * The setting a name suggests, for "did you mean" messages: the normalized spelling is compared
 * with `keys` (by default every config key).
 */
export function suggestKey(name: string, keys: readonly string[] = CONFIG_KEYS.map((s) => s.key)): string | undefined {
  const normalized = normalizeKey(name);
  if (keys.includes(normalized)) return normalized;
  return closestWord(normalized, keys);
}

/** The spec of a key in any accepted spelling, or a usage error with the closest key and the known ones. */
export function configKey(key: string): ConfigKeySpec {
  const spec = findConfigKey(normalizeKey(key));
  if (!spec) {
    const close = suggestKey(key);
    const hint = close !== undefined ? `; did you mean "${close}"?` : "";
    throw new UsageError(`unknown config key "${key}"${hint} (known keys: ${knownKeys()})`);
  }
  return spec;
}

/** The JSON schema of the config file, in the shape conf takes (one entry per key). */
export function configSchema(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(CONFIG_KEYS.map((s) => [s.key, { description: s.help, ...s.schema }]));
}
