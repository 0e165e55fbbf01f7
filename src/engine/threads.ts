/**
 * The thread counts parley uses when none is given. node-llama-cpp's own default (at least 4 on a
 * CPU) oversubscribes small machines: on a 2-core machine 4 threads decoded ~50x slower than 1.
 *
 * llama.cpp's threads wait for each other at every step of a token, so a thread that shares its
 * core with another program holds all of them up: on a 2-core machine whose second core is busy,
 * 2 threads decoded a 1.5B model 5-6x slower than 1, while on an idle one they were 1.7x faster.
 * So parley uses the cores the other programs leave free: it looks at the CPU time the machine
 * spent beyond this process (and its children) while the model loaded, or between replies, or
 * where that cannot be read, the load average. While decoding, `DecodeThreads` keeps checking,
 * on the speed of the tokens themselves, that the extra threads still pay.
 *
 * Reading a prompt is compute-bound and gains from every free core (1.6x with 2 threads on 2 idle
 * cores); it gets its own count, chosen the same way.
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

/** The most threads parley decodes with by default: every usable core, up to 16. */
export function decodeCeiling(cores = usableCores()): number {
  return Math.max(1, Math.min(cores, 16));
}

/** Threads to decode with: the cores other programs leave free (`busy` cores of `cores`), at least 1. */
export function defaultThreads(cores = usableCores(), busy = othersBusyCores() ?? loadavg()[0] ?? 0): number {
  return Math.max(1, Math.min(decodeCeiling(cores), cores - Math.round(Math.max(0, busy))));
}

/** Why `defaultThreads` chose what it did, in words (for `doctor`). */
export function describeThreads(cores = usableCores(), busy = othersBusyCores() ?? loadavg()[0] ?? 0): string {
  const threads = defaultThreads(cores, busy);
  const others = `other programs keep ${busy.toFixed(1)} of ${cores} core${cores === 1 ? "" : "s"} busy`;
  const plural = (n: number) => `${n} thread${n === 1 ? "" : "s"}`;
  if (cores === 1) return `${plural(1)}: one core`;
  return (
    `${plural(threads)} to generate (${others}); while generating, parley moves between ` +
    `${plural(decodeCeiling(cores))} and ${plural(fallbackThreads(decodeCeiling(cores)))} by the speed it measures`
  );
}

/** The count `DecodeThreads` falls back to from `high`: half of it (1 on a 2-core machine). */
export function fallbackThreads(high: number): number {
  return Math.max(1, Math.floor(high / 2));
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

/** Tokens per measured window, and how the measuring behaves. */
const WINDOW = 8;
/** More threads must be at least this much faster per token than fewer to be kept. */
const GAIN = 0.97;
/** A window this much slower than the best seen at the same count means something took the cores. */
const SLOWER = 1.35;
/** Cores the others may keep busy and still leave room for the extra threads. */
const ROOM = 0.4;
/**
 * At the higher count, fewer threads are measured after this many tokens, the first time (a short
 * reply on an idle machine never pays for the look), and again after `RECHECK` (their figure ages).
 */
const FIRST_CHECK = 128;
/**
 * Unless a window of tokens takes less than this (ms): then looking costs next to nothing, and it is
 * where extra threads most often lose. A small model's token takes 1-20 ms, and the prebuilt
 * llama.cpp starts and joins a worker thread for each one: 2 threads decoded a 260K model 10x
 * slower than 1, a 106M model 1.2x slower, a 1.5B model 1.7x faster.
 */
const QUICK_WINDOW_MS = 250;
/**
 * Extra threads this many times slower than fewer while the other programs left the cores free are
 * not tried again for `MAX_BACKOFF` tokens.
 */
const FAR_SLOWER = 2;
const RECHECK = 512;
const MAX_BACKOFF = 1024;
/**
 * Milliseconds of looking that tell whether the other cores are free. On `low` because a look said so
 * (the load, or the time between replies), and not because `high` was measured slower, parley
 * looks this long and not a whole window: a load that read the model from disk can look busy (the
 * kernel's own work) on an idle machine, so can a client that started just before its request, and
 * every token at `low` then costs.
 */
const FIRST_LOOK_MS = 250;

/**
 * Chooses, while a model generates, between decoding on `high` threads and on `low`. Every
 * `WINDOW` tokens it measures the time per token. At `high`, it moves to `low` when `high` is no
 * longer faster than `low` was, or when tokens come much slower than its best (another program
 * took a core); now and then (`FIRST_CHECK`, `RECHECK`) it measures `low` again. At `low`, it goes back to `high`
 * when the other programs leave the cores free, after a wait that doubles each time `high` did not
 * pay. The first token after a change is not counted: it carries the change's own cost.
 */
export class DecodeThreads {
  private current: number;
  private readonly last = new Map<number, number>();
  private readonly best = new Map<number, number>();
  private windowStart = 0;
  private windowTokens = 0;
  private windowCpu: CpuSample | undefined;
  private skip = true;
  private sinceChange = 0;
  private backoff = WINDOW;
  private idleFrom: CpuSample | undefined;
  private readingFrom: CpuSample | undefined;
  /** On `low` because a look said the cores were busy, not because `high` was measured slower. */
  private lookedLow: boolean;

  constructor(
    readonly high: number,
    readonly low: number,
    initial: number,
    private readonly sample: () => CpuSample | undefined = sampleCpu,
    /** Told each change and why, in words (`--debug` prints them). */
    private readonly trace?: (line: string) => void,
  ) {
    this.current = initial >= high ? high : low;
    this.lookedLow = this.current === low;
    this.trace?.(`decode threads: ${this.current} to start with`);
  }

  get threads(): number {
    return this.current;
  }

  /** The prompt is being read (on every core parley may use). */
  reading(): void {
    this.readingFrom = this.sample();
  }

  /** Decoding begins (the first token is out): the count to use from now. */
  begin(): number {
    // Between replies parley is idle, and while it read the prompt its own threads are counted as
    // its own: what else the machine did meanwhile is the others' work. The first reply has only
    // the prompt to look at.
    const busy = busyBetween(this.idleFrom ?? this.readingFrom, this.sample());
    const was = this.current;
    if (busy !== undefined && this.high > this.low) {
      if (busy >= this.high - this.low - ROOM + 0.2) {
        this.lookedLow ||= this.current === this.high;
        this.current = this.low;
      } else if (busy < ROOM && this.lookedLow) this.current = this.high;
    }
    if (busy !== undefined) {
      const count = was === this.current ? `${was}` : `${was} → ${this.current}`;
      this.trace?.(`decode threads: ${count} as the reply starts (others kept ${busy.toFixed(2)} cores busy)`);
    }
    this.skip = true;
    return this.current;
  }

  /** Decoding ends (the reply is done): from now the machine's work is the others'. */
  end(): void {
    this.idleFrom = this.sample();
  }

  /** `count` more tokens were generated at `now` (ms): the count for the next ones. */
  tokens(count: number, now = performance.now()): number {
    if (this.high === this.low) return this.current;
    if (this.skip) {
      this.skip = false;
      this.startWindow(now);
      return this.current;
    }
    this.windowTokens += count;
    if (this.windowTokens < WINDOW) {
      if (this.current === this.high || !this.lookedLow || now - this.windowStart < FIRST_LOOK_MS) return this.current;
      const others = busyBetween(this.windowCpu, this.sample());
      if (others === undefined || others >= this.high - this.low - 1 + ROOM) return this.current;
      this.sinceChange += this.windowTokens;
      return this.change(this.high, `the cores are free: others kept ${others.toFixed(2)} busy`);
    }
    const perToken = (now - this.windowStart) / this.windowTokens;
    const cpu = this.sample();
    const others = busyBetween(this.windowCpu, cpu);
    this.sinceChange += this.windowTokens;
    this.last.set(this.current, perToken);
    this.best.set(this.current, Math.min(perToken, this.best.get(this.current) ?? Infinity));
    this.startWindow(now, cpu);
    if (this.current === this.high) {
      const low = this.last.get(this.low);
      const ms = (n: number) => `${n.toFixed(0)} ms a token`;
      if (low !== undefined && perToken > low * GAIN) {
        // More threads did not pay: wait longer before trying them again, and much longer when
        // they lost by far on free cores (each try then costs a window of very slow tokens; a
        // program that took a core may stop, and is watched for).
        const lostByFar = perToken > low * FAR_SLOWER && (others ?? 0) < ROOM;
        this.backoff = lostByFar ? MAX_BACKOFF : Math.min(MAX_BACKOFF, this.backoff * 2);
        return this.change(this.low, `${ms(perToken)}, against ${ms(low)} on ${this.low}`);
      }
      const due = low !== undefined ? RECHECK : perToken * WINDOW < QUICK_WINDOW_MS ? WINDOW : FIRST_CHECK;
      const best = this.best.get(this.high)!;
      if (perToken > best * SLOWER || this.sinceChange >= due) {
        this.backoff = WINDOW;
        return this.change(
          this.low,
          perToken > best * SLOWER ? `${ms(perToken)}, against ${ms(best)} at best` : `measuring ${this.low} again`,
        );
      }
    } else if (this.sinceChange >= this.backoff && (others ?? 0) < this.high - this.low - 1 + ROOM) {
      return this.change(this.high, `the cores are free: others kept ${(others ?? 0).toFixed(2)} busy`);
    }
    return this.current;
  }

  private change(to: number, why: string): number {
    this.trace?.(`decode threads: ${this.current} → ${to} (${why})`);
    // The best figure at a count holds only while it stays in use: a later stretch starts afresh.
    this.best.delete(to);
    this.current = to;
    this.lookedLow = false;
    this.sinceChange = 0;
    this.skip = true;
    return to;
  }

  /** `cpu`: a sample just taken, when there is one (/proc is read once a window). */
  private startWindow(now: number, cpu = this.sample()): void {
    this.windowStart = now;
    this.windowTokens = 0;
    this.windowCpu = cpu;
  }
}
