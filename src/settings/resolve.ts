/**
 * The one settings resolver: layers in, every value with the layer it came from out. Pure: the
 * layers are read elsewhere (flags by the CLI, files by the core) and handed in.
 *
 * Precedence, highest first:
 *   /set > flag > environment > request body > a preset chosen for this run (-p, /preset) >
 *   the resumed conversation's own record > a preset named by the config > config file > default
 * A resumed conversation keeps the model and parameters it was started with, unless the person
 * says otherwise now (a flag, the environment, a preset they name); the config file and its
 * preset are only the defaults of new conversations.
 */
import { DEFAULT_PARAMS, PARAM_SPECS, type ParamLayer, type SamplingParams } from "../chat/params.js";
import { CONFIG_KEYS, findConfigKey, type ConfigValue } from "./keys.js";

export type Source = "/set" | "flag" | "conversation" | "env" | "request body" | "preset" | "config" | "default";

/** Values by config key (`temperature`, `top-p`, `context-size`, `model`...); null: set to none on purpose. */
export type Values = Partial<Record<string, ConfigValue | null>>;

export interface Layer {
  source: Source;
  values: Values;
  /** How to name the source to a person, e.g. "preset coder" or "env PARLEY_TOP_K". */
  label?: string;
  /** Chosen by the person for this run (a preset named by `-p` or `/preset`): ranks above a resumed conversation. */
  chosen?: boolean;
}

export interface Setting {
  key: string;
  /** null: set to none on purpose (`/set seed none`). */
  value: ConfigValue | null | undefined;
  source: Source;
  /** The source as said to a person ("preset coder", "env PARLEY_TOP_K", "default"). */
  label: string;
  /** For a default decided at run time: what it will be ("the model's, at most 8192"). */
  defaultText?: string;
}

const RANK: Record<Source, number> = {
  "/set": 0,
  flag: 1,
  env: 2,
  "request body": 3,
  conversation: 5,
  preset: 6,
  config: 7,
  default: 8,
};

/** A preset chosen for this run ranks above the resumed conversation's record. */
const CHOSEN_PRESET = 4;

function rank(layer: Layer): number {
  return layer.chosen ? CHOSEN_PRESET : RANK[layer.source];
}

function defaults(): Layer {
  const values: Values = {};
  for (const spec of CONFIG_KEYS) if (spec.defaultValue !== undefined) values[spec.key] = spec.defaultValue;
  return { source: "default", values };
}

/** Resolved settings: immutable; `with` gives new settings with one more layer. */
export class Settings {
  private readonly layers: readonly Layer[];

  constructor(layers: readonly Layer[]) {
    const all = [...layers.filter((l) => l.source !== "default"), defaults()];
    // A stable sort: layers of the same rank keep the order they were given in.
    this.layers = all
      .map((l, i) => [l, i] as const)
      .sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1])
      .map(([l]) => l);
  }

  /** The layer of a source, when there is one (the first, if several). */
  layer(source: Source): Layer | undefined {
    return this.layers.find((l) => l.source === source);
  }

  /** The value of a key and where it came from. */
  setting(key: string): Setting {
    const spec = findConfigKey(key);
    for (const layer of this.layers) {
      const value = layer.values[key];
      if (value !== undefined) {
        const label = layer.label ?? (layer.source === "env" && spec ? `env ${spec.env}` : layer.source);
        return { key, value, source: layer.source, label };
      }
    }
    return {
      key,
      value: undefined,
      source: "default",
      label: "default",
      ...(spec?.defaultText ? { defaultText: spec.defaultText } : {}),
    };
  }

  get(key: string): ConfigValue | undefined {
    return this.setting(key).value ?? undefined;
  }

  string(key: string): string | undefined {
    const v = this.get(key);
    return typeof v === "string" ? v : undefined;
  }

  number(key: string): number | undefined {
    const v = this.get(key);
    return typeof v === "number" ? v : undefined;
  }

  boolean(key: string): boolean | undefined {
    const v = this.get(key);
    return typeof v === "boolean" ? v : undefined;
  }

  /** Every config key, in the key table's order. */
  all(): Setting[] {
    return CONFIG_KEYS.map((spec) => this.setting(spec.key));
  }

  /** These settings with one more layer (a `/set`, a preset chosen in the chat...). */
  with(layer: Layer): Settings {
    return new Settings([...this.layers.filter((l) => l.source !== "default"), layer]);
  }

  /** These settings without the layers of one source (a preset replaced by another). */
  without(source: Source): Settings {
    return new Settings(this.layers.filter((l) => l.source !== source && l.source !== "default"));
  }

  /** The sampling parameters. */
  params(): SamplingParams {
    const out: SamplingParams = { ...DEFAULT_PARAMS, stop: [...DEFAULT_PARAMS.stop] };
    for (const spec of PARAM_SPECS) {
      const v = this.get(spec.flag);
      if (typeof v === "number") (out as unknown as Record<string, number>)[spec.key] = v;
    }
    const stop = this.get("stop");
    if (Array.isArray(stop)) out.stop = stop;
    return out;
  }
}

export function resolveSettings(layers: readonly Layer[]): Settings {
  return new Settings(layers);
}

/** Sampling parameters (`topP`...) as values by config key (`top-p`...). */
export function paramValues(params: ParamLayer | Record<string, unknown>): Values {
  const out: Values = {};
  const p = params as Record<string, unknown>;
  for (const spec of PARAM_SPECS) {
    const v = p[spec.key];
    if (typeof v === "number") out[spec.flag] = v;
  }
  if (Array.isArray(p.stop) && p.stop.every((s) => typeof s === "string")) out.stop = p.stop;
  return out;
}

/** The config values set by environment variables (`PARLEY_TEMPERATURE`, `PARLEY_GPU_LAYERS`...). */
export function readEnvValues(env: NodeJS.ProcessEnv = process.env): Values {
  const out: Values = {};
  for (const spec of CONFIG_KEYS) {
    const raw = env[spec.env];
    if (raw !== undefined && raw !== "") out[spec.key] = spec.parse(raw, spec.env);
  }
  return out;
}
