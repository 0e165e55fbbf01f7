/**
 * The config keys as data: each key's JSON schema, built-in default, environment variable and
 * parser. Keys are named like the command-line flags (`top-p`, `context-size`, `gpu-layers`).
 */
import { DEFAULT_PARAMS, PARAM_SPECS, parseParamValue, type ParamSpec } from "../chat/params.js";
import { TEMPLATES } from "../engine/templates.js";
import { UsageError } from "../errors.js";

export type ConfigValue = string | number | boolean | string[];

export interface ConfigKeySpec {
  key: string;
  help: string;
  /** The environment variable that sets this key, above the config file. */
  env: string;
  /** The built-in value; undefined when the default is decided at run time (`defaultText`). */
  defaultValue: ConfigValue | undefined;
  defaultText?: string;
  /** What a valid value looks like, for error messages. */
  allowed: string;
  schema: Record<string, unknown>;
  /** Reads a value written on the command line or in the environment. */
  parse(raw: string, where: string): ConfigValue;
  /** Checks a value read from the JSON file. */
  check(value: unknown, where: string): ConfigValue;
}

export const PRESET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function invalid(where: string, value: unknown, allowed: string): UsageError {
  return new UsageError(`invalid value for ${where}: ${JSON.stringify(value)} (expected ${allowed})`);
}

function envName(key: string): string {
  return `PARLEY_${key.toUpperCase().replace(/-/g, "_")}`;
}

type Base = Pick<ConfigKeySpec, "key" | "help" | "defaultValue"> & { defaultText?: string };

function make(base: Base, spec: Omit<ConfigKeySpec, keyof Base | "env">): ConfigKeySpec {
  return { ...base, env: envName(base.key), ...spec };
}

function paramKey(spec: ParamSpec): ConfigKeySpec {
  const kind = spec.integer ? "a whole number" : "a number";
  const allowed = spec.max >= 1_000_000 ? `${kind} of at least ${spec.min}` : `${kind} from ${spec.min} to ${spec.max}`;
  const defaultValue = DEFAULT_PARAMS[spec.key];
  return make(
    { key: spec.flag, help: spec.help, defaultValue, ...(defaultValue === undefined ? { defaultText: "none" } : {}) },
    {
      allowed,
      schema: { type: spec.integer ? "integer" : "number", minimum: spec.min, maximum: spec.max },
      parse: (raw, where) => parseParamValue(spec, raw, where),
      check: (value, where) => {
        if (typeof value !== "number") throw invalid(where, value, allowed);
        return parseParamValue(spec, value, where);
      },
    },
  );
}

function wholeOrWord(base: Base, min: number, max: number, words: string[]): ConfigKeySpec {
  const allowed = `${words.join(", ")} or a whole number from ${min} to ${max}`;
  const accept = (value: unknown, where: string): ConfigValue => {
    if (typeof value === "string" && words.includes(value)) return value;
    if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return value;
    throw invalid(where, value, allowed);
  };
  return make(base, {
    allowed,
    schema: { anyOf: [{ type: "integer", minimum: min, maximum: max }, ...(words.length ? [{ enum: words }] : [])] },
    parse: (raw, where) => accept(/^\s*\d+\s*$/.test(raw) ? Number(raw) : raw, where),
    check: accept,
  });
}

function choice(base: Base, words: string[]): ConfigKeySpec {
  const allowed = `one of ${words.join(", ")}`;
  const accept = (value: unknown, where: string): ConfigValue => {
    if (typeof value === "string" && words.includes(value)) return value;
    throw invalid(where, value, allowed);
  };
  return make(base, { allowed, schema: { enum: words }, parse: accept, check: accept });
}

const TRUE_WORDS = ["true", "on", "yes", "1"];
const FALSE_WORDS = ["false", "off", "no", "0"];

function flag(base: Base): ConfigKeySpec {
  const allowed = "true or false (also on/off, yes/no, 1/0)";
  return make(base, {
    allowed,
    schema: { type: "boolean" },
    parse: (raw, where) => {
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.includes(word)) return true;
      if (FALSE_WORDS.includes(word)) return false;
      throw invalid(where, raw, allowed);
    },
    check: (value, where) => {
      if (typeof value !== "boolean") throw invalid(where, value, allowed);
      return value;
    },
  });
}

function text(base: Base, pattern?: RegExp, patternText?: string): ConfigKeySpec {
  const allowed = patternText ?? "a non-empty text";
  const accept = (value: unknown, where: string): ConfigValue => {
    if (typeof value !== "string" || value === "" || (pattern && !pattern.test(value)))
      throw invalid(where, value, allowed);
    return value;
  };
  return make(base, {
    allowed,
    schema: { type: "string", minLength: 1, ...(pattern ? { pattern: pattern.source } : {}) },
    parse: accept,
    check: accept,
  });
}

function stopKey(): ConfigKeySpec {
  const allowed = 'a text, or a JSON array of non-empty texts like ["\\n\\n", "User:"]';
  const accept = (value: unknown, where: string): ConfigValue => {
    if (Array.isArray(value) && value.every((s) => typeof s === "string" && s !== "")) return value as string[];
    throw invalid(where, value, allowed);
  };
  return make(
    { key: "stop", help: "stop when one of these texts is generated", defaultValue: [] },
    {
      allowed,
      schema: { type: "array", items: { type: "string", minLength: 1 } },
      parse: (raw, where) => {
        if (!raw.trimStart().startsWith("[")) return accept(raw === "" ? [""] : [raw], where);
        try {
          return accept(JSON.parse(raw), where);
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw invalid(where, raw, allowed);
        }
      },
      check: accept,
    },
  );
}

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

/** The spec of a key, or a usage error naming the keys there are. */
export function configKey(key: string): ConfigKeySpec {
  const spec = findConfigKey(key);
  if (!spec) {
    throw new UsageError(`unknown config key "${key}" (known keys: ${knownKeys()})`);
  }
  return spec;
}

/** The JSON schema of the config file, in the shape conf takes (one entry per key). */
export function configSchema(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(CONFIG_KEYS.map((s) => [s.key, { description: s.help, ...s.schema }]));
}
