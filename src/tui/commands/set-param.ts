/**
 * `/set`: one sampling parameter for the next replies. Names are read as everywhere else
 * (`top-p`, `top_p`, `topP`); `/set <name> default` gives back the value it had before `/set`;
 * `/set stop` takes stop strings; `/set` alone shows every value and where it comes from.
 */
import { PARAM_SPECS, findParamSpec, parseParamValue, type SamplingParams } from "../../chat/params.js";
import { parseStopTexts } from "../../chat/stop-texts.js";
import { UsageError } from "../../errors.js";
import { nearest } from "./nearest.js";
import type { CommandContext } from "./types.js";

/** What the context policy can be set to (`/set context-policy drop`). */
const POLICIES = ["drop", "stop"];

export const SET_NAMES: readonly string[] = [...PARAM_SPECS.map((s) => s.flag), "stop", "context-policy"];

export function showValue(value: SamplingParams[keyof SamplingParams] | string): string {
  if (value === undefined) return "none";
  return Array.isArray(value)
    ? value.length
      ? value.map((s) => JSON.stringify(s)).join(", ")
      : "none"
    : String(value);
}

/** Where a value comes from, as said to a person. */
function sourceOf(ctx: CommandContext, key: string): string {
  const setting = ctx.session.settings.setting(key);
  return setting.source === "preset" || setting.source === "conversation" ? setting.label : setting.source;
}

function valueOf(ctx: CommandContext, key: string): string {
  const spec = PARAM_SPECS.find((s) => s.flag === key);
  if (spec) return showValue(ctx.session.params[spec.key]);
  if (key === "stop") return showValue(ctx.session.params.stop);
  return showValue(ctx.session.settings.string(key));
}

export function showParams(ctx: CommandContext): string {
  return SET_NAMES.map((key) => `${key.padEnd(18)} ${valueOf(ctx, key)}  (${sourceOf(ctx, key)})`).join("\n");
}

/** Stop strings as typed: words, or JSON strings for ones with spaces (`"\n\n" "User:"`), or a JSON array. */
export function parseStops(raw: string): string[] {
  return parseStopTexts(raw, "/set stop", true);
}

export function setParam(args: string, ctx: CommandContext): void {
  const trimmed = args.trim();
  if (trimmed === "") return ctx.print(showParams(ctx));
  const space = trimmed.search(/\s/);
  const name = space === -1 ? trimmed : trimmed.slice(0, space);
  const raw = space === -1 ? "" : trimmed.slice(space + 1).trim();
  const wanted = name.replace(/^--/, "").replace(/_/g, "-").toLowerCase();
  const spec = findParamSpec(name);
  const label = spec ? spec.flag : SET_NAMES.find((n) => n === wanted);
  if (!label) {
    const guess = nearest(wanted, SET_NAMES);
    throw new UsageError(
      `unknown parameter "${name}"${guess ? `: did you mean ${guess}?` : ""} (one of: ${SET_NAMES.join(", ")})`,
    );
  }
  if (raw === "") {
    throw new UsageError(`usage: /set ${label} <value> (or "default"); /set alone shows every value`);
  }
  if (raw === "default") {
    ctx.session.set(label, undefined);
    return ctx.print(`${label} = ${valueOf(ctx, label)} (${sourceOf(ctx, label)})`);
  }
  let value: string | number | string[] | null;
  if (label === "stop") value = raw === "none" ? [] : parseStops(raw);
  else if (label === "context-policy") {
    if (!POLICIES.includes(raw))
      throw new UsageError(`invalid value for /set context-policy: "${raw}" (expected drop or stop)`);
    value = raw;
  } else if (spec) {
    const clearable = spec.key === "seed" || spec.key === "maxTokens";
    value = clearable && raw === "none" ? null : parseParamValue(spec, raw, `/set ${spec.flag}`);
  } else value = raw;
  ctx.session.set(label, value);
  ctx.print(`${label} = ${valueOf(ctx, label)} (from the next reply)`);
}

/** Tab completion: the names, then "default" (or a policy) for the value. */
export function completeSet(arg: string): string[] {
  const space = arg.indexOf(" ");
  if (space === -1) return SET_NAMES.filter((f) => f.startsWith(arg));
  const value = arg.slice(space + 1);
  const choices = arg.slice(0, space) === "context-policy" ? [...POLICIES, "default"] : ["default"];
  return value.includes(" ")
    ? []
    : choices.filter((v) => v.startsWith(value)).map((v) => `${arg.slice(0, space + 1)}${v}`);
}
