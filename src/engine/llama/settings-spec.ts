/**
 * The llama engine spec that a run's settings describe, for a model file: the one step from
 * settings to what `createEngine` loads. The settings come in as a small read-only view, so the
 * engine stays free of the settings resolver.
 */
import { availableParallelism } from "node:os";
import { isTemplateName, TEMPLATES } from "../../chat/templates.js";
import { UsageError } from "../../errors.js";
import type { EngineMemory, GpuChoice, LlamaEngineSpec } from "../spec.js";

/** What the spec needs of resolved settings. */
export interface SpecSettings {
  get(key: string): unknown;
  string(key: string): string | undefined;
  number(key: string): number | undefined;
}

export interface SpecExtras {
  debug: boolean;
  templateMemory?: EngineMemory;
  binaryTestMemory?: EngineMemory;
}

function checkedThreads(
  settings: SpecSettings,
  key: "threads" | "batch-threads",
  notices: string[],
): number | undefined {
  const threads = settings.number(key);
  const cpus = availableParallelism();
  if (threads === undefined || threads <= cpus) return threads;
  const what = key === "threads" ? "threads" : "threads to read a prompt";
  notices.push(`${threads} ${what} asked for, but this machine has ${cpus} CPUs: using ${cpus}`);
  return cpus;
}

/** The engine spec the settings describe for `model`; what was changed from the settings is added to `notices`. */
export function llamaSpec(
  settings: SpecSettings,
  model: string,
  extras: SpecExtras,
  notices: string[],
): LlamaEngineSpec {
  const template = settings.string("template") ?? "auto";
  if (!isTemplateName(template)) {
    throw new UsageError(`unknown chat template "${template}" (expected one of: ${Object.keys(TEMPLATES).join(", ")})`);
  }
  const gpuLayers = settings.get("gpu-layers");
  const contextSize = settings.get("context-size");
  return {
    kind: "llama",
    model,
    gpu: (settings.string("gpu") ?? "auto") as GpuChoice,
    gpuLayers: typeof gpuLayers === "number" || gpuLayers === "max" ? gpuLayers : "auto",
    contextSize: typeof contextSize === "number" || contextSize === "auto" ? contextSize : undefined,
    threads: checkedThreads(settings, "threads", notices),
    batchThreads: checkedThreads(settings, "batch-threads", notices),
    template,
    ...(settings.get("lookup") === true ? { lookup: true } : {}),
    ...(extras.templateMemory ? { templateMemory: extras.templateMemory } : {}),
    ...(extras.binaryTestMemory ? { binaryTestMemory: extras.binaryTestMemory } : {}),
    debug: extras.debug,
  };
}
