/** Creates the engine an engine spec names. Engines are imported lazily: node-llama-cpp is heavy. */
import type { ChatEngine } from "./engine.js";
import type { EngineSpec } from "./spec.js";
import { watchCpuFromNow } from "./threads.js";

export async function createEngine(spec: EngineSpec, onProgress?: (progress: number) => void): Promise<ChatEngine> {
  // Loading takes a while: long enough to see how busy the other programs keep the CPU.
  if (spec.kind === "llama") watchCpuFromNow();
  switch (spec.kind) {
    case "llama": {
      const { loadLlamaEngine } = await import("./llama/load.js");
      return loadLlamaEngine(spec, onProgress);
    }
    case "remote": {
      const { openRemoteEngine } = await import("./remote/connect.js");
      return openRemoteEngine(spec);
    }
  }
}
