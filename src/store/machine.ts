/** What the machine has, for bounding numbers a user gives (thread counts). */
import { availableParallelism } from "node:os";
import { UsageError } from "../errors.js";

/** The most threads worth asking for: the CPU threads this process may run on. */
export function maxThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Checks a thread count against the machine: a whole number from 1 to `maxThreads()`.
 * `where` names the flag or key ("--threads", "config key \"threads\"").
 */
export function checkThreads(value: number, where: string, max = maxThreads()): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    const cpus = max === 1 ? "1 CPU thread" : `${max} CPU threads`;
    throw new UsageError(
      `invalid value for ${where}: ${String(value)} (this machine has ${cpus}; expected a whole number from 1 to ${max})`,
    );
  }
  return value;
}
