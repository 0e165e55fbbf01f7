/**
 * The config keys as data: each key's JSON schema, built-in default, environment variable and
 * parser. Keys are named like the command-line flags (`top-p`, `context-size`, `gpu-layers`).
 */
import { PARAM_SPECS } from "../chat/params.js";
import { TEMPLATES } from "../chat/templates.js";
import { closestWord, normalizeKey } from "../chat/setting-names.js";
import { UsageError } from "../errors.js";
import { choice, flag, paramKey, stopKey, text, toolsKey, wholeOrWord, type ConfigKeySpec } from "./kinds.js";

export type { ConfigKeySpec, ConfigValue } from "./kinds.js";
export { closestWord, didYouMean, editDistance, normalizeKey } from "../chat/setting-names.js";

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
  wholeOrWord(
    {
      key: "batch-threads",
      help: "CPU threads while reading a prompt",
      defaultValue: undefined,
      defaultText: "--threads when given, else the cores other programs leave free",
    },
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
  text({
    key: "draft-model",
    help: "a smaller model with the same vocabulary that drafts tokens for the model to check (speculative decoding)",
    defaultValue: undefined,
    defaultText: "none",
  }),
  flag({
    key: "lookup",
    help: "prompt lookup: propose tokens from the message where the reply repeats it",
    defaultValue: false,
  }),
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
  toolsKey(),
  flag({ key: "markdown", help: "render Markdown in the chat screen", defaultValue: true }),
  flag({ key: "history", help: "save conversations", defaultValue: true }),
  flag({
    key: "offline",
    help: "never use the network (a model that is not here yet is an error)",
    defaultValue: false,
  }),
  text(
    {
      key: "base-url",
      help: "an OpenAI-compatible server to use instead of a local model: its base URL (e.g. http://host:8000/v1); -m names its model",
      defaultValue: undefined,
      defaultText: "none",
    },
    /^https?:\/\/\S+$/i,
    "an http:// or https:// URL",
  ),
  text(
    {
      key: "api-key-env",
      help: "the environment variable that holds the key for --base-url (OPENAI_API_KEY for api.openai.com)",
      defaultValue: undefined,
      defaultText: "none",
    },
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    "an environment variable name",
  ),
  wholeOrWord(
    { key: "idle-timeout", help: "seconds to wait for a remote server's answer or its next bytes", defaultValue: 60 },
    1,
    86_400,
    [],
  ),
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
    throw new UsageError(`unknown config key ${JSON.stringify(key)}${hint} (known keys: ${knownKeys()})`);
  }
  return spec;
}

/** The JSON schema of the config file, in the shape conf takes (one entry per key). */
export function configSchema(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(CONFIG_KEYS.map((s) => [s.key, { description: s.help, ...s.schema }]));
}
