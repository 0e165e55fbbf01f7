/** Sampling parameters: their rules as data, validation, defaults and merging. */
import { UsageError } from "../errors.js";

export interface SamplingParams {
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  repeatPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
  seed: number | undefined;
  maxTokens: number | undefined;
  stop: string[];
}

export type NumericParam = Exclude<keyof SamplingParams, "stop">;

export interface ParamSpec {
  key: NumericParam;
  /** The flag and `/set` name. */
  flag: string;
  /** The field of a Chat Completion request body, when there is one. */
  bodyField?: string;
  integer: boolean;
  min: number;
  max: number;
  help: string;
}

export const PARAM_SPECS: readonly ParamSpec[] = [
  {
    key: "temperature",
    flag: "temperature",
    bodyField: "temperature",
    integer: false,
    min: 0,
    max: 2,
    help: "sampling temperature; 0 always picks the likeliest token",
  },
  {
    key: "topP",
    flag: "top-p",
    bodyField: "top_p",
    integer: false,
    min: 0,
    max: 1,
    help: "nucleus sampling: keep the likeliest tokens up to this probability mass",
  },
  {
    key: "topK",
    flag: "top-k",
    integer: true,
    min: 0,
    max: 1_000_000,
    help: "keep only the K likeliest tokens (0 = all)",
  },
  {
    key: "minP",
    flag: "min-p",
    integer: false,
    min: 0,
    max: 1,
    help: "drop tokens less likely than this fraction of the likeliest",
  },
  {
    key: "repeatPenalty",
    flag: "repeat-penalty",
    integer: false,
    min: 0,
    max: 10,
    help: "penalty for repeating recent tokens (1 = off)",
  },
  {
    key: "presencePenalty",
    flag: "presence-penalty",
    bodyField: "presence_penalty",
    integer: false,
    min: -2,
    max: 2,
    help: "penalty for tokens already present (0 = off)",
  },
  {
    key: "frequencyPenalty",
    flag: "frequency-penalty",
    bodyField: "frequency_penalty",
    integer: false,
    min: -2,
    max: 2,
    help: "penalty growing with a token's frequency (0 = off)",
  },
  {
    key: "seed",
    flag: "seed",
    bodyField: "seed",
    integer: true,
    min: 0,
    max: 4_294_967_295,
    help: "random seed; the same seed, model, parameters and prompt give the same output",
  },
  {
    key: "maxTokens",
    flag: "max-tokens",
    bodyField: "max_tokens",
    integer: true,
    min: 1,
    max: 10_000_000,
    help: "the most tokens to generate",
  },
];

export const DEFAULT_PARAMS: SamplingParams = {
  temperature: 0.8,
  topP: 0.95,
  topK: 40,
  minP: 0.05,
  repeatPenalty: 1,
  presencePenalty: 0,
  frequencyPenalty: 0,
  seed: undefined,
  maxTokens: undefined,
  stop: [],
};

export function findParamSpec(name: string): ParamSpec | undefined {
  const wanted = name.replace(/^--/, "").replace(/_/g, "-").toLowerCase();
  return PARAM_SPECS.find((s) => s.flag === wanted || s.key.toLowerCase() === wanted.replace(/-/g, ""));
}

function describeRange(spec: ParamSpec): string {
  const kind = spec.integer ? "a whole number" : "a number";
  return spec.max >= 1_000_000 ? `${kind} of at least ${spec.min}` : `${kind} from ${spec.min} to ${spec.max}`;
}

/**
 * Checks one value against its rule. `raw` is a flag's text or a JSON value; `where` names the
 * source in the error ("--temperature", "request field \"top_p\"").
 */
export function parseParamValue(spec: ParamSpec, raw: unknown, where: string): number {
  let value: number;
  if (typeof raw === "number") value = raw;
  else if (typeof raw === "string" && raw.trim() !== "" && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw.trim()))
    value = Number(raw);
  else value = Number.NaN;
  const shown = typeof raw === "string" ? JSON.stringify(raw) : String(raw);
  if (!Number.isFinite(value) || (spec.integer && !Number.isInteger(value)) || value < spec.min || value > spec.max) {
    throw new UsageError(`invalid value for ${where}: ${shown} (expected ${describeRange(spec)})`);
  }
  return value;
}

/** Partial parameters from one source; `undefined` means "not set here". */
export type ParamLayer = Partial<SamplingParams>;

/** Merges layers, highest precedence first, over the built-in defaults. */
export function mergeParams(...layers: ParamLayer[]): SamplingParams {
  const out: SamplingParams = { ...DEFAULT_PARAMS, stop: [...DEFAULT_PARAMS.stop] };
  for (const layer of [...layers].reverse()) {
    for (const [k, v] of Object.entries(layer) as [keyof SamplingParams, unknown][]) {
      if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}
