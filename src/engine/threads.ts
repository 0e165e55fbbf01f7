/**
 * The thread count parley uses when none is given. node-llama-cpp's own default (at least 4 on a
 * CPU) oversubscribes small machines: on a 2-core machine 4 threads decoded ~50x slower than 1.
 * parley counts physical cores and leaves one of them to the Node.js event loop and the OS.
 *
 * Reading a prompt is another matter: it is compute-bound and gains from every core (1.6x with 2
 * threads on 2 idle cores), but when other programs keep a core busy, llama.cpp's threads wait for
 * each other and 2 threads read a prompt several times slower than 1. So prompts are read on the
 * cores the other programs leave free: the CPU time the machine spent beyond this process (and its
 * children) while parley loaded the model, or where that cannot be read, the load average.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";

let cpuinfo: string | undefined;

/**
 * `/proc/cpuinfo` on Linux, empty where it cannot be read. Read once per process: a load asks for
 * it several times (cores, the build's CPU features, the binary test's key), and on a machine of
 * many cores the kernel takes a while to write it.
 */
export function readCpuinfo(): string {
  if (cpuinfo === undefined) {
    try {
      cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
    } catch {
      cpuinfo = "";
    }
  }
  return cpuinfo;
}

/** Physical cores on Linux (from /proc/cpuinfo); elsewhere the logical CPU count. */
export function physicalCores(cpuinfo?: string): number {
  const text = cpuinfo ?? readCpuinfo();
  if (text === "") return availableParallelism();
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

/** The cores parley may use: physical cores, as far as this process is allowed. */
export function usableCores(): number {
  return Math.min(physicalCores(), availableParallelism());
}

export function defaultThreads(cores = usableCores()): number {
  if (cores <= 2) return 1;
  return Math.min(cores - 1, 16);
}

export interface CpuSample {
  /** Seconds, monotonic. */
  at: number;
  /** CPU seconds the whole machine spent busy. */
  machine: number;
  /** CPU seconds of this process and of its children that have ended. */
  own: number;
}

/** Linux's clock ticks per second for /proc figures (USER_HZ): 100 on every common platform. */
const TICKS = 100;

export function sampleCpu(): CpuSample | undefined {
  try {
    const all = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
    const busy = all.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
    const self = readFileSync("/proc/self/stat", "utf8");
    const fields = self
      .slice(self.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    // Fields 14-17 of /proc/<pid>/stat (utime stime cutime cstime) are 12-15 after the name.
    const own = fields.slice(11, 15).reduce((sum, v) => sum + v, 0);
    if (!Number.isFinite(busy) || !Number.isFinite(own)) return undefined;
    return { at: performance.now() / 1000, machine: busy / TICKS, own: own / TICKS };
  } catch {
    return undefined;
  }
}

let baseline = sampleCpu();

/** Starts watching what the rest of the machine does: call it as loading an engine begins. */
export function watchCpuFromNow(): void {
  baseline = sampleCpu();
}

/**
 * Cores other programs kept busy since `watchCpuFromNow` (while parley imported node-llama-cpp and
 * loaded the model), or undefined when /proc cannot tell or too little time has passed.
 */
export function othersBusyCores(from: CpuSample | undefined = baseline): number | undefined {
  return busyBetween(from, sampleCpu());
}

/** Cores the rest of the machine kept busy between two samples (undefined under 0.2 s apart). */
export function busyBetween(from: CpuSample | undefined, to: CpuSample | undefined): number | undefined {
  if (!from || !to || to.at - from.at < 0.2) return undefined;
  return Math.max(0, (to.machine - from.machine - (to.own - from.own)) / (to.at - from.at));
}

/** Threads for reading a prompt: every core other programs leave free, and at least `decode`. */
export function defaultBatchThreads(
  decode: number,
  cores = usableCores(),
  load = othersBusyCores() ?? loadavg()[0] ?? 0,
): number {
  const busy = Math.max(0, Math.round(load));
  return Math.max(decode, Math.min(cores, cores - busy));
}
