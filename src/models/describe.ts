/** What `models list` shows about a model file, from its GGUF header alone. */
import { stat } from "node:fs/promises";
import { GGML_TYPE_NAMES, GgufFormatError, readGgufHeader, tensorBytes, type GgufHeader } from "./gguf-header.js";

export interface ModelSummary {
  /** The file name without `.gguf`: how the model is named in `-m`. */
  name: string;
  file: string;
  path: string;
  size: number;
  aliases: string[];
  /** Set when the file cannot be used, with the reason. */
  damaged?: string;
  architecture?: string;
  parameters?: number;
  quantization?: string;
  contextLength?: number;
  chatTemplate?: string;
  /** The model's own name from its metadata. */
  title?: string;
}

/** llama.cpp's file types (`general.file_type`). */
const FILE_TYPES: Record<number, string> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  7: "Q8_0",
  8: "Q5_0",
  9: "Q5_1",
  10: "Q2_K",
  11: "Q3_K_S",
  12: "Q3_K_M",
  13: "Q3_K_L",
  14: "Q4_K_S",
  15: "Q4_K_M",
  16: "Q5_K_S",
  17: "Q5_K_M",
  18: "Q6_K",
  19: "IQ2_XXS",
  20: "IQ2_XS",
  21: "Q2_K_S",
  22: "IQ3_XS",
  23: "IQ3_XXS",
  24: "IQ1_S",
  25: "IQ4_NL",
  26: "IQ3_S",
  27: "IQ3_M",
  28: "IQ2_S",
  29: "IQ2_M",
  30: "IQ4_XS",
  31: "IQ1_M",
  32: "BF16",
  36: "TQ1_0",
  37: "TQ2_0",
  38: "MXFP4_MOE",
};

/** Names a chat template by the markers it uses. */
export function templateKind(template: string | undefined): string {
  if (template === undefined || template === "") return "none";
  if (template.includes("<|im_start|>")) return "chatml";
  if (template.includes("<|start_header_id|>")) return "llama3";
  if (template.includes("<start_of_turn>")) return "gemma";
  if (template.includes("[INST]")) return "mistral";
  if (template.includes("<|user|>")) return "phi";
  return "custom";
}

function num(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return undefined;
}

function quantization(header: GgufHeader): string | undefined {
  const fileType = num(header.metadata.get("general.file_type"));
  if (fileType !== undefined && FILE_TYPES[fileType]) return FILE_TYPES[fileType];
  const bytesByType = new Map<number, bigint>();
  for (const t of header.tensors) bytesByType.set(t.type, (bytesByType.get(t.type) ?? 0n) + (tensorBytes(t) ?? 0n));
  let best: [number, bigint] | undefined;
  for (const entry of bytesByType) if (!best || entry[1] > best[1]) best = entry;
  return best ? (GGML_TYPE_NAMES[best[0]] ?? `type ${best[0]}`) : undefined;
}

export function summarizeHeader(header: GgufHeader): Omit<ModelSummary, "name" | "file" | "path" | "size" | "aliases"> {
  const str = (key: string): string | undefined => {
    const v = header.metadata.get(key);
    return typeof v === "string" ? v : undefined;
  };
  const architecture = str("general.architecture");
  let parameters = 0;
  for (const t of header.tensors) parameters += Number(t.dims.reduce((a, b) => a * b, 1n));
  return {
    ...(architecture !== undefined ? { architecture } : {}),
    parameters,
    ...(quantization(header) !== undefined ? { quantization: quantization(header) } : {}),
    ...(architecture !== undefined && num(header.metadata.get(`${architecture}.context_length`)) !== undefined
      ? { contextLength: num(header.metadata.get(`${architecture}.context_length`)) }
      : {}),
    chatTemplate: templateKind(str("tokenizer.chat_template")),
    ...(str("general.name") !== undefined ? { title: str("general.name") } : {}),
  };
}

/** Reads one model file's header; a damaged file is described as damaged, never thrown. */
export async function describeModel(path: string, file: string, aliases: string[]): Promise<ModelSummary> {
  const base = { name: file.replace(/\.gguf$/i, ""), file, path, aliases };
  let size = 0;
  try {
    size = (await stat(path)).size;
    return { ...base, size, ...summarizeHeader(await readGgufHeader(path)) };
  } catch (err) {
    const reason =
      err instanceof GgufFormatError
        ? err.message
        : (err as NodeJS.ErrnoException).code === "EACCES"
          ? "cannot be read (permission denied)"
          : "cannot be read";
    return { ...base, size, damaged: reason };
  }
}

/** "1.2 GB", "340 MB", "12 kB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** "1.5B", "360M", "12K". */
export function formatParameters(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(count < 1e10 ? 1 : 0)}B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(count < 1e7 ? 1 : 0)}M`;
  if (count >= 1e3) return `${Math.round(count / 1e3)}K`;
  return String(count);
}
