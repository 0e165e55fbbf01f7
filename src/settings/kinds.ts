/** The kinds of config value (number, word, flag, text, list): each builds a key's schema and parsers. */
import { DEFAULT_PARAMS, parseParamValue, type ParamSpec } from "../chat/params.js";
import { parseStopTexts, STOP_TEXTS_ALLOWED } from "../chat/stop-texts.js";
import { BUILTIN_TOOL_NAMES, checkToolNames, parseToolNames, TOOL_NAMES_ALLOWED } from "../chat/tool-names.js";
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

export function paramKey(spec: ParamSpec): ConfigKeySpec {
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

export function wholeOrWord(base: Base, min: number, max: number, words: string[]): ConfigKeySpec {
  const range = `a whole number from ${min} to ${max}`;
  const allowed = words.length > 0 ? `${words.join(", ")} or ${range}` : range;
  const accept = (value: unknown, where: string, shown: unknown = value): ConfigValue => {
    if (typeof value === "string" && words.includes(value)) return value;
    if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return value;
    throw invalid(where, shown, allowed);
  };
  return make(base, {
    allowed,
    schema:
      words.length > 0
        ? { anyOf: [{ type: "integer", minimum: min, maximum: max }, { enum: words }] }
        : { type: "integer", minimum: min, maximum: max },
    parse: (raw, where) => accept(/^\s*\d+\s*$/.test(raw) ? Number(raw) : raw, where, raw),
    check: accept,
  });
}

export function choice(base: Base, words: string[]): ConfigKeySpec {
  const allowed = `one of ${words.join(", ")}`;
  const accept = (value: unknown, where: string): ConfigValue => {
    if (typeof value === "string" && words.includes(value)) return value;
    throw invalid(where, value, allowed);
  };
  return make(base, { allowed, schema: { enum: words }, parse: accept, check: accept });
}

const TRUE_WORDS = ["true", "on", "yes", "1"];
const FALSE_WORDS = ["false", "off", "no", "0"];

export function flag(base: Base): ConfigKeySpec {
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

export function text(base: Base, pattern?: RegExp, patternText?: string): ConfigKeySpec {
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

export function stopKey(): ConfigKeySpec {
  const allowed = STOP_TEXTS_ALLOWED;
  const accept = (value: unknown, where: string): ConfigValue => {
    if (Array.isArray(value) && value.every((s) => typeof s === "string" && s !== "")) return value as string[];
    throw invalid(where, value, allowed);
  };
  return make(
    { key: "stop", help: "stop when one of these texts is generated", defaultValue: [] },
    {
      allowed,
      schema: { type: "array", items: { type: "string", minLength: 1 } },
      parse: (raw, where) => parseStopTexts(raw, where),
      check: accept,
    },
  );
}

/** The tools parley offers the model and runs itself, each call after the person's yes. */
export function toolsKey(): ConfigKeySpec {
  return make(
    {
      key: "tools",
      help: `tools the chat screen offers the model (${BUILTIN_TOOL_NAMES.join(", ")}); each call asks first`,
      defaultValue: [],
    },
    {
      allowed: TOOL_NAMES_ALLOWED,
      schema: { type: "array", items: { enum: [...BUILTIN_TOOL_NAMES] } },
      parse: (raw, where) => parseToolNames(raw, where),
      check: (value, where) => checkToolNames(value, where),
    },
  );
}
