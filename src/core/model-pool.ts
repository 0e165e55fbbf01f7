/**
 * Loaded models shared by many requests (the server): each model is loaded once with a number of
 * sequences that generate together; a request leases one sequence and gives it back. A model is
 * loaded on first use; past `maxModels`, the least recently used idle one is unloaded first, and
 * with `keepAliveMs` one left idle that long is unloaded (its memory given back; the next request
 * loads it again). Requests that find no free sequence wait in a bounded queue.
 */
import type { Message } from "../chat/types.js";
import type { ChatEngine, EngineInfo } from "../engine/engine.js";
import { ParleyError, RuntimeError } from "../errors.js";
import type { LlamaEngineSpec } from "../engine/spec.js";
import { openModel } from "./models.js";

/** Every sequence is busy and the queue is full: try again later. */
export class BusyError extends ParleyError {
  constructor(message: string) {
    super(message, "runtime", 1);
  }
}

export interface PoolOptions {
  /** The engine spec of a model file (the same settings for every model). */
  spec: (path: string) => LlamaEngineSpec;
  /** Sequences per model that generate at once. */
  parallel: number;
  /** Models kept loaded at once. */
  maxModels: number;
  /** Requests that may wait for a sequence. */
  maxQueue: number;
  /** Unload a model no request has used for this long (undefined: keep it loaded). */
  keepAliveMs?: number;
  /** Told of what happens (a model loaded or unloaded), in plain words. */
  onNotice?: (text: string) => void;
}

/** One sequence of a loaded model, lent to a request. */
export interface Lease {
  engine: ChatEngine;
  release(): void;
}

interface Loaded {
  path: string;
  engines: ChatEngine[];
  free: ChatEngine[];
  lastUsed: number;
  idleTimer?: NodeJS.Timeout;
}

export class ModelPool {
  private readonly loaded = new Map<string, Loaded>();
  private readonly loading = new Map<string, Promise<Loaded>>();
  private waiting = 0;
  private wakers: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /** The info of a loaded model, by file. */
  info(path: string): EngineInfo | undefined {
    return this.loaded.get(path)?.engines[0]?.info;
  }

  /** Whether the model is loaded now. */
  isLoaded(path: string): boolean {
    return this.loaded.has(path);
  }

  /** Sequences in use, and requests waiting for one. */
  get usage(): { busy: number; waiting: number } {
    let busy = 0;
    for (const m of this.loaded.values()) busy += m.engines.length - m.free.length;
    return { busy, waiting: this.waiting };
  }

  /** Loads a model ahead of its first request. */
  async preload(path: string): Promise<EngineInfo> {
    const model = await this.ensureLoaded(path, undefined);
    const info = model.engines[0]?.info;
    if (!info) throw new RuntimeError("the model has no sequence");
    return info;
  }

  /**
   * A free sequence of the model, the one whose context already holds the longest start of
   * `messages` (it reads only the rest). Waits in the queue when none is free; throws `BusyError`
   * when the queue is full, and stops waiting when `signal` fires.
   */
  async acquire(path: string, messages: readonly Message[] | undefined, signal?: AbortSignal): Promise<Lease> {
    let queued = false;
    try {
      for (;;) {
        if (this.closed) throw new BusyError("the server is shutting down");
        signal?.throwIfAborted();
        const model = this.loaded.get(path);
        if (model && model.free.length > 0) return this.lend(model, messages);
        if (!model && this.canLoad(path)) {
          await this.ensureLoaded(path, signal);
          continue;
        }
        if (!queued) {
          if (this.waiting >= this.options.maxQueue) {
            throw new BusyError(`all ${this.options.parallel} sequences are busy and ${this.waiting} requests wait`);
          }
          queued = true;
          this.waiting++;
        }
        await this.changed(signal);
      }
    } finally {
      if (queued) this.waiting--;
    }
  }

  /** Unloads every model (the server stops). */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    const models = [...this.loaded.values()];
    this.loaded.clear();
    for (const model of models) await this.unload(model);
  }

  private lend(model: Loaded, messages: readonly Message[] | undefined): Lease {
    let best = 0;
    if (messages && model.free.length > 1) {
      let most = -1;
      model.free.forEach((engine, i) => {
        const held = engine.reusable?.(messages) ?? 0;
        if (held > most) {
          most = held;
          best = i;
        }
      });
    }
    const [engine] = model.free.splice(best, 1);
    if (!engine) throw new RuntimeError("no free sequence");
    model.lastUsed = Date.now();
    clearTimeout(model.idleTimer);
    let given = false;
    return {
      engine,
      release: () => {
        if (given) return;
        given = true;
        model.lastUsed = Date.now();
        if (this.loaded.get(model.path) === model) model.free.push(engine);
        this.watchIdle(model);
        this.wake();
      },
    };
  }

  /** Room for one more model now, or an idle one to unload for it, or it is being loaded. */
  private canLoad(path: string): boolean {
    if (this.loading.has(path)) return true;
    if (this.loaded.size + this.loading.size < this.options.maxModels) return true;
    return this.idleVictim() !== undefined;
  }

  private idleVictim(): Loaded | undefined {
    let victim: Loaded | undefined;
    for (const model of this.loaded.values()) {
      if (model.free.length !== model.engines.length) continue;
      if (!victim || model.lastUsed < victim.lastUsed) victim = model;
    }
    return victim;
  }

  private async ensureLoaded(path: string, signal: AbortSignal | undefined): Promise<Loaded> {
    const have = this.loaded.get(path);
    if (have) return have;
    let pending = this.loading.get(path);
    if (!pending) {
      while (this.loaded.size + this.loading.size >= this.options.maxModels) {
        const victim = this.idleVictim();
        if (victim) {
          this.loaded.delete(victim.path);
          await this.unload(victim);
        } else await this.changed(signal);
      }
      pending = this.load(path);
      this.loading.set(path, pending);
      void pending.then(
        () => this.loading.delete(path),
        () => this.loading.delete(path),
      );
    }
    return pending;
  }

  private async load(path: string): Promise<Loaded> {
    const started = Date.now();
    const parallel = this.options.parallel;
    const notices: string[] = [];
    const first = await openModel({ ...this.options.spec(path), sequences: parallel }, notices);
    const engines: ChatEngine[] = [first];
    for (let i = 1; i < parallel; i++) {
      const next = first.fork?.();
      if (!next) break;
      engines.push(next);
    }
    const model: Loaded = { path, engines, free: [...engines], lastUsed: Date.now() };
    this.loaded.set(path, model);
    this.watchIdle(model);
    for (const text of notices) this.options.onNotice?.(text);
    const info = first.info;
    this.options.onNotice?.(
      `loaded ${info.name} in ${((Date.now() - started) / 1000).toFixed(1)} s: context ${info.contextSize} tokens, ${engines.length} parallel sequences, ${info.backend}`,
    );
    this.wake();
    return model;
  }

  /** Once every sequence of the model is free: unload it after `keepAliveMs` unless used again. */
  private watchIdle(model: Loaded): void {
    const keep = this.options.keepAliveMs;
    if (keep === undefined || model.free.length !== model.engines.length) return;
    clearTimeout(model.idleTimer);
    model.idleTimer = setTimeout(() => {
      if (this.loaded.get(model.path) !== model || model.free.length !== model.engines.length) return;
      this.loaded.delete(model.path);
      void this.unload(model, `idle for ${describeMs(keep)}`);
    }, keep);
    // An idle model never keeps the process alive by itself.
    model.idleTimer.unref();
  }

  private async unload(model: Loaded, why?: string): Promise<void> {
    clearTimeout(model.idleTimer);
    this.options.onNotice?.(`unloading ${model.engines[0]?.info.name ?? model.path}${why ? `: ${why}` : ""}`);
    for (const engine of model.engines) await engine.dispose();
    this.wake();
  }

  /** Resolves at the next change (a sequence given back, a model loaded or unloaded). */
  private changed(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.wakers = this.wakers.filter((w) => w !== done);
        reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
      };
      const done = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.wakers.push(done);
    });
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }
}

/** "90 s", "10 min", "2 h" */
function describeMs(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}
