/**
 * Opening a model: settings → engine spec → loaded engine, in one step. Conversations and server
 * requests are handed the engine (or a sequence of it); they never load one themselves.
 */
import type { ChatEngine } from "../engine/engine.js";
import { createEngine } from "../engine/factory.js";
import { llamaSpec } from "../engine/llama/settings-spec.js";
import type { EngineSpec, LlamaEngineSpec } from "../engine/spec.js";
import { ParleyError, UsageError } from "../errors.js";
import { resolveModelRef, type ResolveOptions } from "../models/resolve.js";
import type { Setting, Settings } from "../settings/resolve.js";
import { MemoryFile } from "../store/memory-file.js";
import { parleyPaths } from "../store/paths.js";

/** The engine spec the settings describe for a model file, with parley's memories of templates and binaries. */
export function modelSpec(settings: Settings, model: string, debug: boolean, notices: string[]): LlamaEngineSpec {
  const paths = parleyPaths();
  return llamaSpec(
    settings,
    model,
    {
      debug,
      templateMemory: new MemoryFile(paths.templates, "template memory"),
      binaryTestMemory: new MemoryFile(paths.binaryTests, "binary test memory"),
    },
    notices,
  );
}

/** Loads the model a spec names; what went differently while loading is added to `notices`. */
export async function openModel(
  spec: EngineSpec,
  notices: string[],
  onProgress?: (progress: number) => void,
): Promise<ChatEngine> {
  const engine = await createEngine(spec, onProgress);
  const info = engine.info;
  notices.push(...(info.loadNotes ?? []));
  if (spec.kind === "llama" && typeof spec.contextSize === "number" && info.contextSize !== spec.contextSize) {
    notices.push(
      `a context of ${spec.contextSize} tokens was asked for; llama.cpp uses ${info.contextSize}, the nearest size it supports`,
    );
  }
  if (info.genericTemplate) {
    notices.push(
      `${info.name} has no chat template of its own, so a generic one (${info.template}) is used; --template chooses another`,
    );
  }
  return engine;
}

/** A setting as the person gave it: its flag, or its key and where it was set. */
function given(setting: Setting): string {
  return setting.source === "flag" ? `--${setting.key}` : `${setting.key} (set by ${setting.label})`;
}

/** The token predictor settings that are on. */
function predictorSettings(settings: Settings): Setting[] {
  return [settings.setting("draft-model"), settings.setting("lookup")].filter(
    (s) => s.value !== undefined && s.value !== null && s.value !== false,
  );
}

/** Refuses a draft model or prompt lookup for a remote model: they speed up a model run here. */
export function refuseRemotePredictors(settings: Settings, model: string): void {
  const on = predictorSettings(settings)[0];
  if (on) {
    throw new UsageError(
      `${given(on)} applies only to a model run on this machine, and ${model || "the model"} is a remote one`,
    );
  }
}

/**
 * The spec with the token predictor the settings ask for: a draft model (resolved like -m: a path,
 * a name or alias in the models folder, hf:, a URL) or prompt lookup, not both.
 */
export async function withPredictor(
  spec: LlamaEngineSpec,
  settings: Settings,
  options: ResolveOptions,
): Promise<LlamaEngineSpec> {
  const on = predictorSettings(settings);
  if (on.length > 1) {
    throw new UsageError(
      `${on.map(given).join(" and ")} cannot be used together: a sequence takes one token predictor; choose one`,
    );
  }
  const ref = settings.string("draft-model");
  if (ref === undefined) return spec;
  let draftModel: string;
  try {
    draftModel = await resolveModelRef(ref, options);
  } catch (err) {
    if (!(err instanceof ParleyError)) throw err;
    throw new ParleyError(`draft model: ${err.message}`, err.code, err.exitCode, { cause: err });
  }
  return { ...spec, draftModel };
}
