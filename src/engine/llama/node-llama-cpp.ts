/**
 * node-llama-cpp, loaded once per process. The build writes its JavaScript as one file
 * (dist/vendor/node-llama-cpp.js, scripts/bundle-node-llama-cpp.mjs), which loads in about a third
 * of the time and memory of the ~550 modules in node_modules; that file is used when it was made
 * from the installed version, node_modules otherwise (a copy run from source, a newer
 * node-llama-cpp installed without a rebuild).
 *
 * Every value of node-llama-cpp goes through here (a lint rule says so): two copies in one
 * process would not share their classes or their loaded llama.cpp.
 */
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as NodeLlamaCppModule from "node-llama-cpp";
import type { Llama, LlamaOptions } from "node-llama-cpp";
import { RuntimeError } from "../../errors.js";

export type NodeLlamaCpp = typeof NodeLlamaCppModule;
/** Where node-llama-cpp is loaded from: parley's one-file copy, or node_modules. */
export type NodeLlamaCppSource = "bundle" | "modules";

const BUNDLE = new URL("../../vendor/node-llama-cpp.js", import.meta.url);
const MANIFEST = new URL("../../vendor/node-llama-cpp.json", import.meta.url);

/** The start of a small file, or undefined when it cannot be read. Bounded: these are a few hundred bytes. */
function readSmall(path: string, limit = 64 * 1024): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const buffer = Buffer.alloc(limit);
    const n = readSync(fd, buffer, 0, limit, 0);
    return buffer.subarray(0, n).toString("utf8");
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function versionIn(path: string): string | undefined {
  const text = readSmall(path);
  if (text === undefined) return undefined;
  try {
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

/** The installed node-llama-cpp package's folder (its builds land in `llama/localBuilds`). */
export function nodeLlamaCppFolder(): string {
  return dirname(dirname(createRequire(import.meta.url).resolve("node-llama-cpp")));
}

let installedVersion: { value: string | undefined } | undefined;

/** The version of the node-llama-cpp package Node resolves from here (read once). */
export function installedNodeLlamaCppVersion(): string | undefined {
  installedVersion ??= {
    value: (() => {
      try {
        return versionIn(join(nodeLlamaCppFolder(), "package.json"));
      } catch {
        return undefined;
      }
    })(),
  };
  return installedVersion.value;
}

/** The version the one-file copy was made from, when the copy is complete. */
function bundledVersion(): string | undefined {
  const text = readSmall(fileURLToPath(MANIFEST));
  if (text === undefined) return undefined;
  try {
    const { version, files } = JSON.parse(text) as { version?: unknown; files?: unknown };
    if (typeof version !== "string" || !Array.isArray(files)) return undefined;
    const complete = files.every((f) => typeof f === "string" && existsSync(fileURLToPath(new URL(f, MANIFEST))));
    return complete ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Where node-llama-cpp will be (or was) loaded from. */
export function nodeLlamaCppSource(): NodeLlamaCppSource {
  if (loadedFrom) return loadedFrom;
  const bundled = bundledVersion();
  return bundled !== undefined && bundled === installedNodeLlamaCppVersion() ? "bundle" : "modules";
}

let loading: Promise<NodeLlamaCpp> | undefined;
let loadedFrom: NodeLlamaCppSource | undefined;

async function load(): Promise<NodeLlamaCpp> {
  if (nodeLlamaCppSource() === "bundle") {
    try {
      const module = (await import(BUNDLE.href)) as NodeLlamaCpp;
      loadedFrom = "bundle";
      return module;
    } catch {
      // A damaged copy: node_modules has the same code.
    }
  }
  try {
    const module = await import("node-llama-cpp");
    loadedFrom = "modules";
    return module;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND";
    throw new RuntimeError(
      `node-llama-cpp ${missing ? "is not installed" : "cannot be loaded"}: run npm install in parley's folder`,
      { cause: err },
    );
  }
}

/** node-llama-cpp's exports; the first call loads it (0.2-0.6 s), later calls share it. */
export function nodeLlamaCpp(): Promise<NodeLlamaCpp> {
  return (loading ??= load());
}

/**
 * What decides about one test of a llama.cpp binary: the test's arguments (the binary's path, the
 * path of its separate backends if any, its GPU kind, ...) and the test itself, to run or not.
 */
export type BinaryTestGate = (
  args: readonly [bindingPath: string, extBackendsPath: string | undefined, gpu: unknown, ...rest: unknown[]],
  test: () => Promise<boolean>,
) => Promise<boolean>;

/**
 * Sends node-llama-cpp's binary tests through `gate` (undefined: straight to the test). Only
 * parley's one-file copy has this hook (scripts/bundle-node-llama-cpp.mjs); returns whether the
 * loaded copy took it.
 */
export async function setBinaryTestGate(gate: BinaryTestGate | undefined): Promise<boolean> {
  const module = (await nodeLlamaCpp()) as NodeLlamaCpp & {
    __parleySetBinaryTestGate?: (gate: BinaryTestGate | undefined) => void;
  };
  if (typeof module.__parleySetBinaryTestGate !== "function") return false;
  module.__parleySetBinaryTestGate(gate);
  return true;
}

// eslint-disable-next-line no-control-regex
const NLC_PREFIX = /^(?:\u001b\[[0-9;]*m)*\[node-llama-cpp\](?:\u001b\[[0-9;]*m)*\s*/;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** How a sentence about parley's own llama.cpp build that does not load starts, and what it ends with. */
export const LOCAL_BUILD_NOTE = "parley's llama.cpp build for this CPU";
export const LOCAL_BUILD_FIX = "parley doctor --build makes it again";

/** One console call of node-llama-cpp's in parley's words, or undefined for one that adds nothing. */
function plainMessage(args: readonly unknown[]): string | undefined {
  const parts = args.map((a) => (a instanceof Error ? a.message : String(a)).replace(ANSI, ""));
  const text = parts.join(" ").replace(NLC_PREFIX, "").split("\n")[0]!.trim();
  const error = args.find((a): a is Error => a instanceof Error);
  const reason = error?.message
    .split("\n")[0]!
    .replace(/^.*\.node:\s*/, "")
    .trim();
  if (/^Falling back to prebuilt binaries/i.test(text) || text === "") return undefined;
  if (/^Failed to load a local build/i.test(text)) {
    return `${LOCAL_BUILD_NOTE} cannot be loaded${reason ? ` (${reason})` : ""}, so the prebuilt one is used: ${LOCAL_BUILD_FIX}`;
  }
  if (/^The local build binary was not built in the current system/i.test(text)) {
    return `${LOCAL_BUILD_NOTE} does not run on this system, so the prebuilt one is used: ${LOCAL_BUILD_FIX}`;
  }
  return `node-llama-cpp: ${text.replace(/\s*Error:$/, "")}${reason ? ` (${reason})` : ""}`;
}

/**
 * Runs `load` (a `getLlama` call) while catching what node-llama-cpp writes to the console about
 * it: a local build it cannot load comes with the error's stack, a fallback with a line of its own.
 * Each becomes one plain sentence in `messages`; anything else written meanwhile passes through.
 */
export async function catchLoaderMessages<T>(load: () => Promise<T>, messages: string[]): Promise<T> {
  const methods = ["error", "warn", "log", "info"] as const;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with their own `this`
  const saved = methods.map((m) => console[m]);
  const caught = (original: (...args: unknown[]) => void) =>
    function (this: unknown, ...args: unknown[]): void {
      if (typeof args[0] !== "string" || !NLC_PREFIX.test(args[0])) return original.apply(this, args);
      const message = plainMessage(args);
      if (message !== undefined && !messages.includes(message)) messages.push(message);
    };
  const replaced = methods.map((m, i) => (console[m] = caught(saved[i]!)));
  try {
    return await load();
  } finally {
    methods.forEach((m, i) => {
      if (console[m] === replaced[i]) console[m] = saved[i]!;
    });
  }
}

/**
 * Why node-llama-cpp could not start llama.cpp, in words: its errors sometimes carry nothing but
 * their class name ("NoBinaryFoundError"), which is never shown. `backend` names the one asked for.
 */
export function loaderErrorText(err: unknown, backend?: string): string {
  const first = ((err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "").replace(ANSI, "").trim();
  const className = err instanceof Error ? err.constructor.name : "";
  if (first === "NoBinaryFoundError" || className === "NoBinaryFoundError")
    return `no ${backend ? `${backend} ` : ""}build of llama.cpp is installed for this machine`;
  const plain = first.replace(/^[A-Z][A-Za-z]*(Error|Exception):\s*/, "");
  return plain === "" || /^[A-Z][A-Za-z]*(Error|Exception)$/.test(plain) ? "llama.cpp could not be started" : plain;
}

/** `getLlama(options)`, with what node-llama-cpp writes to the console meanwhile caught into `messages`. */
export async function getLlamaCaught(options: LlamaOptions, messages: string[] = []): Promise<Llama> {
  const { getLlama } = await nodeLlamaCpp();
  return catchLoaderMessages(() => getLlama(options), messages);
}
