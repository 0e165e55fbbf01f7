/**
 * `models info`: the memory a model needs at a context size, from node-llama-cpp's GGUF reader and
 * insights (which know the backend and this machine's memory).
 */
import { getLlamaCaught, nodeLlamaCpp } from "./node-llama-cpp.js";

export interface ModelInsight {
  contextSize: number;
  backend: string;
  layers?: number;
  gpuLayers?: number;
  ram: { needed: number; total: number; fits: boolean };
  vram?: { needed: number; total: number; fits: boolean };
  warnings: string[];
}

const BACKENDS: Record<string, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal" };

export async function modelInsight(
  path: string,
  contextSize?: number,
  /** How to find the installed llama.cpp: the engine's own options, so a local build is used. */
  llamaOptions: object = {},
): Promise<ModelInsight> {
  const { GgufInsights, LlamaLogLevel, readGgufFileInfo } = await nodeLlamaCpp();
  const notes: string[] = [];
  const llama = await getLlamaCaught(
    {
      build: "never",
      skipDownload: true,
      progressLogs: false,
      ...llamaOptions,
      logLevel: LlamaLogLevel.error,
      logger: () => undefined,
    },
    notes,
  );
  try {
    const info = await readGgufFileInfo(path, {
      logWarnings: false,
      ignoreKeys: [
        "tokenizer.ggml.tokens",
        "tokenizer.ggml.scores",
        "tokenizer.ggml.token_type",
        "tokenizer.ggml.merges",
      ],
    });
    const insights = await GgufInsights.from(info, llama);
    const context = contextSize ?? Math.min(insights.trainContextSize ?? 4096, 8192);
    const scored = await insights.configurationResolver.resolveAndScoreConfig({ targetContextSize: context });
    const ram = await llama.getRamState();
    const values = scored.resolvedValues;
    const gpu = llama.gpu;
    const vramState = gpu === false ? undefined : await llama.getVramState();
    return {
      contextSize: context,
      backend: gpu === false ? "CPU" : (BACKENDS[gpu] ?? gpu),
      layers: insights.totalLayers,
      ...(gpu === false ? {} : { gpuLayers: values.gpuLayers }),
      ram: { needed: values.totalRamUsage, total: ram.total, fits: values.totalRamUsage <= ram.total },
      ...(vramState
        ? {
            vram: {
              needed: values.totalVramUsage,
              total: vramState.total,
              fits: values.totalVramUsage <= vramState.total,
            },
          }
        : {}),
      warnings: [...notes, ...insights.getWarnings(path)],
    };
  } finally {
    await llama.dispose();
  }
}
