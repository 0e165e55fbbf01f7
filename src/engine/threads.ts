/**
 * The thread count parley uses when none is given. node-llama-cpp's own default (at least 4 on a
 * CPU) oversubscribes small machines: on a 2-core machine 4 threads decoded ~50x slower than 1.
 * parley counts physical cores and leaves one of them to the Node.js event loop and the OS.
 *
 * Reading a prompt is another matter: it is compute-bound and gains from every core (1.6x with 2
 * threads on 2 idle cores), but when other programs keep a core busy, llama.cpp's threads wait for
 * each other and 2 threads read a prompt several times slower than 1. So prompts are read on the
 * cores the other programs leave free, as the load average tells when the model is loaded.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";

/** Physical cores on Linux (from /proc/cpuinfo); elsewhere the logical CPU count. */
export function physicalCores(cpuinfo?: string): number {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/cpuinfo", "utf8");
    } catch {
      return availableParallelism();
    }
  }
  const cores = new Set<string>();
  let physical = "0";
  for (const line of text.split("\n")) {
    const [rawKey, rawValue] = line.split(":");
    const key = rawKey?.trim();
    const value = rawValue?.trim() ?? "";
    if (key === "physical id") physical = value;
    else if (key === "core id") cores.add(`${physical}:${value}`);
  }
  return cores.size > 0 ? cores.size : availableParallelism();
}

export function defaultThreads(cores = Math.min(physicalCores(), availableParallelism())): number {
  if (cores <= 2) return 1;
  return Math.min(cores - 1, 16);
}

/** Threads for reading a prompt: every core other programs leave free, and at least `decode`. */
export function defaultBatchThreads(
  decode: number,
  cores = Math.min(physicalCores(), availableParallelism()),
  load = loadavg()[0] ?? 0,
): number {
  const busy = Math.max(0, Math.round(load));
  return Math.max(decode, Math.min(cores, cores - busy));
}
