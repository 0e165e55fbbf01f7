/**
 * On Linux node-llama-cpp tests a prebuilt llama.cpp binary before every load, in a process of its
 * own (0.2 s with parley's one-file copy of node-llama-cpp, the first thing every model load waits
 * for): whether the binary runs on this machine at all (its C library, its CPU instructions). The
 * answer for one binary file on one machine holds until either changes, so parley keeps each pass
 * under a fingerprint of both and skips the test while the fingerprint holds: the binary file (path,
 * size, modification time, node-llama-cpp's version) and the machine (host name, kernel release,
 * CPU model and instruction flags). Only CPU binaries: a GPU binary's test also checks the driver,
 * which can change under it. A failed test is never kept; the test then decides as before.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { hostname, release } from "node:os";
import type { BinaryTestGate } from "./node-llama-cpp.js";
import type { EngineMemory } from "../spec.js";
import { readCpuinfo } from "../threads.js";

function fileFingerprint(path: string | undefined): string | undefined {
  if (path === undefined) return "";
  try {
    const stats = statSync(path);
    return stats.isFile() ? `${path}:${stats.size}:${stats.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

function machineFingerprint(cpuinfo: string): string {
  const first = (key: string) =>
    cpuinfo
      .split("\n")
      .find((line) => line.startsWith(key))
      ?.replace(/^[^:]*:\s*/, "")
      .trim() ?? "";
  return [hostname(), release(), process.platform, process.arch, first("model name"), first("flags")].join("\n");
}

/** The key a test of this binary on this machine is kept under; undefined when the binary cannot be described. */
export function binaryTestKey(
  bindingPath: string,
  extBackendsPath: string | undefined,
  version: string | undefined,
  cpuinfo = readCpuinfo(),
): string | undefined {
  const binary = fileFingerprint(bindingPath);
  const backends = fileFingerprint(extBackendsPath);
  if (binary === undefined || backends === undefined || version === undefined) return undefined;
  const text = [version, binary, backends, machineFingerprint(cpuinfo)].join("\n");
  return createHash("sha256").update(text).digest("hex");
}

/** A gate that runs each CPU binary's test once per binary and machine, and remembers the pass in `memory`. */
export function rememberingBinaryTests(memory: EngineMemory, version: string | undefined): BinaryTestGate {
  return async ([bindingPath, extBackendsPath, gpu], test) => {
    const key = gpu === false ? binaryTestKey(bindingPath, extBackendsPath, version) : undefined;
    if (key !== undefined && memory.get(key) === "passed") return true;
    const passed = await test();
    if (passed && key !== undefined) memory.set(key, "passed");
    return passed;
  };
}
