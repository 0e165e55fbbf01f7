/**
 * A small JSON file of findings the engine keeps between runs: `templates.json` (which built-in
 * chat template `--template auto` chose for each model file) and `binary-tests.json` (which
 * llama.cpp binaries passed node-llama-cpp's test on this machine). The engine works each finding
 * out and describes it; this only keeps it. A missing, damaged or oversized file is an empty
 * memory, and a failed write is forgotten: the finding is then worked out again, slower but the
 * same.
 */
import { readTextIfExists, writeFileAtomic } from "./files.js";

const MAX_BYTES = 256 * 1024;
const MAX_ENTRIES = 64;

export class MemoryFile {
  /** `what` names the file in an error, e.g. "template memory". */
  constructor(
    readonly file: string,
    private readonly what: string,
  ) {}

  private read(): Map<string, unknown> {
    try {
      const text = readTextIfExists(this.file, this.what, MAX_BYTES);
      if (text === undefined) return new Map();
      const data = JSON.parse(text) as unknown;
      if (typeof data !== "object" || data === null || Array.isArray(data)) return new Map();
      return new Map(Object.entries(data));
    } catch {
      return new Map();
    }
  }

  /** What was kept for `key`, unchecked: the engine validates it. */
  get(key: string): unknown {
    return this.read().get(key);
  }

  /** Keeps `value` for `key`; beyond 64 entries the oldest go. Best effort. */
  set(key: string, value: unknown): void {
    const entries = this.read();
    entries.delete(key);
    entries.set(key, value);
    for (const oldest of entries.keys()) {
      if (entries.size <= MAX_ENTRIES) break;
      entries.delete(oldest);
    }
    try {
      writeFileAtomic(this.file, `${JSON.stringify(Object.fromEntries(entries))}\n`);
    } catch {
      // A full disk or a read-only folder: nothing is lost but time on the next start.
    }
  }
}
