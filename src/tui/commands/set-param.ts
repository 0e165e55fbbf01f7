/**
 * `/set`: one sampling parameter for the next replies. Names are read as everywhere else
 * (`top-p`, `top_p`, `topP`); `/set <name> default` gives back the value it had before `/set`;
 * `/set stop` takes stop strings; `/set` alone shows every value and where it comes from.
 */
import type { ChatSession } from "../../chat/session.js";
import { PARAM_SPECS, findParamSpec, parseParamValue, type SamplingParams } from "../../chat/params.js";
import { UsageError } from "../../errors.js";
import { nearest } from "./nearest.js";
import type { CommandContext } from "./types.js";

export const SET_NAMES: readonly string[] = [...PARAM_SPECS.map((s) => s.flag), "stop"];

type Key = keyof SamplingParams;

/** The value and source each parameter had before its first `/set`, per session. */
const before = new WeakMap<ChatSession, Map<Key, { value: SamplingParams[Key]; source: string | undefined }>>();

export function showValue(value: SamplingParams[keyof SamplingParams]): string {
  if (value === undefined) return "none";
  return Array.isArray(value)
    ? value.length
      ? value.map((s) => JSON.stringify(s)).join(", ")
      : "none"
    : String(value);
}

export function showParams(ctx: CommandContext): string {
  const from = (key: string): string => {
    const source = ctx.paramSources?.get(key);
    return source ? `  (${source})` : "";
  };
  const lines = PARAM_SPECS.map((s) => `${s.flag.padEnd(18)} ${showValue(ctx.session.params[s.key])}${from(s.key)}`);
  lines.push(`${"stop".padEnd(18)} ${showValue(ctx.session.params.stop)}${from("stop")}`);
  return lines.join("\n");
}

/** Stop strings as typed: words, or JSON strings for ones with spaces (`"\n\n" "User:"`). */
export function parseStops(raw: string): string[] {
  const out: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of raw.matchAll(pattern)) {
    if (match[1] !== undefined) {
      try {
        out.push(JSON.parse(`"${match[1]}"`) as string);
      } catch {
        throw new UsageError(`/set stop: cannot read the string ${match[0]}`);
      }
    } else out.push(match[2] ?? "");
  }
  if (out.some((s) => s === "")) throw new UsageError("/set stop: a stop string cannot be empty");
  return out;
}

function remember(ctx: CommandContext, key: Key): void {
  let saved = before.get(ctx.session);
  if (!saved) {
    saved = new Map<Key, { value: SamplingParams[Key]; source: string | undefined }>();
    before.set(ctx.session, saved);
  }
  if (!saved.has(key)) saved.set(key, { value: ctx.session.params[key], source: ctx.paramSources?.get(key) });
}

function assign(ctx: CommandContext, key: Key, value: SamplingParams[Key], source: string | undefined): void {
  ctx.session.params = { ...ctx.session.params, [key]: value };
  if (source === undefined) ctx.paramSources?.delete(key);
  else ctx.paramSources?.set(key, source);
}

export function setParam(args: string, ctx: CommandContext): void {
  const trimmed = args.trim();
  if (trimmed === "") return ctx.print(showParams(ctx));
  const space = trimmed.search(/\s/);
  const name = space === -1 ? trimmed : trimmed.slice(0, space);
  const raw = space === -1 ? "" : trimmed.slice(space + 1).trim();
  const spec = findParamSpec(name);
  const isStop = name.toLowerCase() === "stop";
  if (!spec && !isStop) {
    const wanted = name.replace(/^--/, "").replace(/_/g, "-").toLowerCase();
    const guess = nearest(wanted, SET_NAMES);
    throw new UsageError(
      `unknown parameter "${name}"${guess ? `: did you mean ${guess}?` : ""} (one of: ${SET_NAMES.join(", ")})`,
    );
  }
  const key: Key = spec ? spec.key : "stop";
  const label = spec ? spec.flag : "stop";
  if (raw === "") {
    throw new UsageError(`usage: /set ${label} <value> (or "default"); /set alone shows every value`);
  }
  if (raw === "default") {
    const saved = before.get(ctx.session)?.get(key);
    if (saved) {
      assign(ctx, key, saved.value, saved.source);
      before.get(ctx.session)?.delete(key);
    }
    const source = ctx.paramSources?.get(key);
    return ctx.print(`${label} = ${showValue(ctx.session.params[key])}${source ? ` (${source})` : ""}`);
  }
  let value: SamplingParams[Key];
  if (!spec) value = raw === "none" ? [] : parseStops(raw);
  else {
    const clearable = spec.key === "seed" || spec.key === "maxTokens";
    value = clearable && raw === "none" ? undefined : parseParamValue(spec, raw, `/set ${spec.flag}`);
  }
  remember(ctx, key);
  assign(ctx, key, value, "/set");
  ctx.print(`${label} = ${showValue(value)} (from the next reply)`);
}

/** Tab completion: the names, then "default" or "none" for the value. */
export function completeSet(arg: string): string[] {
  const space = arg.indexOf(" ");
  if (space === -1) return SET_NAMES.filter((f) => f.startsWith(arg));
  const value = arg.slice(space + 1);
  return value.includes(" ")
    ? []
    : ["default"].filter((v) => v.startsWith(value)).map((v) => `${arg.slice(0, space + 1)}${v}`);
}
