/**
 * Remembering which built-in chat template node-llama-cpp chose for a model. With `--template
 * auto`, `resolveChatWrapper` renders the model's Jinja template against every built-in template
 * it might match (0.25-0.5 s of JavaScript for a small ChatML model, longer for big templates),
 * and a one-shot run waits for it. The choice depends only on the model file and node-llama-cpp's
 * version, so it is kept (by `spec.templateMemory`, a file in parley's data folder) under a key of
 * both, and rebuilt directly next time.
 *
 * A choice is kept only when rebuilding it gives a template object equal, field by field, to the
 * one node-llama-cpp chose; a Jinja template of the model's own (no built-in match) is not kept.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import type { ChatWrapper, LlamaModel } from "node-llama-cpp";
import { installedNodeLlamaCppVersion, nodeLlamaCpp } from "./node-llama-cpp.js";
import type { EngineMemory } from "../spec.js";

const { chatWrappers, resolveChatWrapper } = await nodeLlamaCpp();

/** A built-in template and the settings it was made with. */
export interface TemplateChoice {
  type: string;
  settings: Record<string, unknown>;
}

type WrapperClass = new (settings: Record<string, unknown>) => ChatWrapper;
type Configurable = WrapperClass & { _getOptionConfigurationsToTestIfCanSupersedeJinjaTemplate?: () => unknown[] };

function wrapperClass(type: string): Configurable | undefined {
  return Object.hasOwn(chatWrappers, type)
    ? (chatWrappers[type as keyof typeof chatWrappers] as unknown as Configurable)
    : undefined;
}

/** Values that survive JSON unchanged: what a remembered setting may hold. */
function isPlain(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlain);
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every(isPlain);
  }
  return false;
}

/** A template object's class and fields as text, functions by their source. */
function fingerprint(wrapper: ChatWrapper): string | undefined {
  try {
    return JSON.stringify({ class: wrapper.constructor.name, fields: wrapper }, (_key, value: unknown) =>
      typeof value === "function" ? `function ${String(value)}` : value,
    );
  } catch {
    return undefined;
  }
}

/** The settings node-llama-cpp tries a built-in template with, as it would apply them. */
function settingsToTry(Wrapper: Configurable): Record<string, unknown>[] {
  let configs: unknown[] = [];
  try {
    configs = Wrapper._getOptionConfigurationsToTestIfCanSupersedeJinjaTemplate?.() ?? [];
  } catch {
    configs = [];
  }
  const applied = configs.map((c) => (Array.isArray(c) ? (c[1] ?? {}) : (c ?? {})) as Record<string, unknown>);
  return [{}, ...applied];
}

/** How to rebuild `wrapper` exactly, or undefined when it is not a built-in template that can be. */
export function describeChoice(wrapper: ChatWrapper): TemplateChoice | undefined {
  const target = fingerprint(wrapper);
  if (target === undefined) return undefined;
  for (const [type, value] of Object.entries(chatWrappers)) {
    if (wrapper.constructor !== value) continue;
    const Wrapper = wrapperClass(type);
    if (!Wrapper || type === "jinjaTemplate" || type === "template") return undefined;
    for (const settings of settingsToTry(Wrapper)) {
      if (!isPlain(settings)) continue;
      const copy = JSON.parse(JSON.stringify(settings)) as Record<string, unknown>;
      const rebuilt = rebuildChoice({ type, settings: copy });
      if (rebuilt && fingerprint(rebuilt) === target) return { type, settings: copy };
    }
    return undefined;
  }
  return undefined;
}

export function rebuildChoice(choice: TemplateChoice): ChatWrapper | undefined {
  const Wrapper = wrapperClass(choice.type);
  if (!Wrapper || choice.type === "jinjaTemplate" || choice.type === "template") return undefined;
  try {
    return new Wrapper(choice.settings);
  } catch {
    return undefined;
  }
}

/** The key of a model file for this node-llama-cpp: its path, size and modification time. */
export function modelKey(modelPath: string): string | undefined {
  try {
    const stat = statSync(modelPath);
    const identity = [installedNodeLlamaCppVersion() ?? "", modelPath, stat.size, stat.mtimeMs];
    return createHash("sha256").update(JSON.stringify(identity)).digest("hex");
  } catch {
    return undefined;
  }
}

/** Whether a template writes a prompt at all (a hand-edited memory may hold anything). */
function writesPrompts(wrapper: ChatWrapper): boolean {
  try {
    wrapper.generateContextState({
      chatHistory: [
        { type: "system", text: "" },
        { type: "user", text: "" },
        { type: "model", response: [] },
      ],
    });
    return true;
  } catch {
    return false;
  }
}

function isChoice(value: unknown): value is TemplateChoice {
  const v = value as TemplateChoice | null;
  return typeof v === "object" && v !== null && typeof v.type === "string" && isPlain(v.settings);
}

/** `resolveChatWrapper(model)` for `--template auto`, through the choices kept in `memory`. */
export function resolveAutoTemplate(
  model: LlamaModel,
  modelPath: string,
  memory: EngineMemory | undefined,
): ChatWrapper {
  const key = memory ? modelKey(modelPath) : undefined;
  if (memory && key) {
    const known = memory.get(key);
    const rebuilt = isChoice(known) ? rebuildChoice(known) : undefined;
    if (rebuilt && writesPrompts(rebuilt)) return rebuilt;
  }
  const wrapper = resolveChatWrapper(model, { type: "auto", warningLogs: false });
  const choice = memory && key ? describeChoice(wrapper) : undefined;
  if (memory && key && choice) memory.set(key, choice);
  return wrapper;
}
