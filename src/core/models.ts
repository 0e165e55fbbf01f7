/**
 * Opening a model: settings → engine spec → loaded engine, in one step. Conversations and server
 * requests are handed the engine (or a sequence of it); they never load one themselves.
 */
import type { ChatEngine } from "../engine/engine.js";
import { createEngine } from "../engine/factory.js";
import { llamaSpec } from "../engine/llama/settings-spec.js";
import type { LlamaEngineSpec } from "../engine/spec.js";
import type { Settings } from "../settings/resolve.js";
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
  spec: LlamaEngineSpec,
  notices: string[],
  onProgress?: (progress: number) => void,
): Promise<ChatEngine> {
  const engine = await createEngine(spec, onProgress);
  const info = engine.info;
  notices.push(...(info.loadNotes ?? []));
  if (typeof spec.contextSize === "number" && info.contextSize !== spec.contextSize) {
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
