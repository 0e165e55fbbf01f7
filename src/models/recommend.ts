/** A short list of good small instruct models, and the default one offered on first run. */
import { totalmem } from "node:os";

export interface Recommendation {
  name: string;
  /** The alias a pull from `models recommend` or the first-run offer gives it. */
  alias: string;
  ref: string;
  /** Approximate download size in bytes. */
  size: number;
  /** Approximate memory needed to chat at a modest context, in bytes. */
  memory: number;
  goodAt: string;
}

const GB = 1e9;

export const RECOMMENDED: readonly Recommendation[] = [
  {
    name: "Qwen2.5 0.5B Instruct",
    alias: "qwen2.5-0.5b",
    ref: "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M",
    size: 0.49 * GB,
    memory: 1.2 * GB,
    goodAt: "very fast, short answers and simple tasks on any machine",
  },
  {
    name: "Llama 3.2 1B Instruct",
    alias: "llama3.2-1b",
    ref: "hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
    size: 0.81 * GB,
    memory: 1.8 * GB,
    goodAt: "small and quick, everyday chat and summaries",
  },
  {
    name: "Qwen2.5 1.5B Instruct",
    alias: "qwen2.5-1.5b",
    ref: "hf:bartowski/Qwen2.5-1.5B-Instruct-GGUF:Q4_K_M",
    size: 0.99 * GB,
    memory: 2.2 * GB,
    goodAt: "best quality for its size: chat, code, many languages",
  },
  {
    name: "Gemma 2 2B Instruct",
    alias: "gemma2-2b",
    ref: "hf:bartowski/gemma-2-2b-it-GGUF:Q4_K_M",
    size: 1.71 * GB,
    memory: 3.2 * GB,
    goodAt: "well-written English answers",
  },
  {
    name: "Llama 3.2 3B Instruct",
    alias: "llama3.2-3b",
    ref: "hf:bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M",
    size: 2.02 * GB,
    memory: 3.6 * GB,
    goodAt: "instruction following, long documents (128K context)",
  },
  {
    name: "Qwen2.5 7B Instruct",
    alias: "qwen2.5-7b",
    ref: "hf:bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M",
    size: 4.68 * GB,
    memory: 6.8 * GB,
    goodAt: "strong all-rounder: reasoning, code, structured output",
  },
  {
    name: "Llama 3.1 8B Instruct",
    alias: "llama3.1-8b",
    ref: "hf:bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M",
    size: 4.92 * GB,
    memory: 7.2 * GB,
    goodAt: "strong general chat and writing",
  },
];

/** The model offered when none is present: small, fast to download, good enough to chat. */
export const DEFAULT_MODEL: Recommendation = RECOMMENDED[2] as Recommendation;

/** The recommendations that fit in this much memory (all of them are listed when none fits). */
export function recommendFor(memory: number = totalmem()): { fits: Recommendation[]; memory: number } {
  const fits = RECOMMENDED.filter((r) => r.memory <= memory);
  return { fits: fits.length > 0 ? fits : [RECOMMENDED[0] as Recommendation], memory };
}
