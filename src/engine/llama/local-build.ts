/**
 * A build of llama.cpp for this machine's CPU, made from the source that ships inside
 * node-llama-cpp (offline: cloned from the package's own git bundle), by `parley doctor --build`.
 *
 * Why: node-llama-cpp's prebuilt Linux binaries have OpenMP off and no ggml threadpool, so every
 * token starts and joins its worker threads (two threads decode slower than one on two cores),
 * and every load first tests the prebuilt binary in a child process (about half a second). This
 * build keeps OpenMP's workers and is loaded without that test. It is found by its CMake options:
 * `getLlama` looks for a local build whose folder name hashes the same options, so every load
 * passes `buildOptions()`, and a machine without the build (or with another CPU) simply loads the
 * prebuilt binary.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  createWriteStream,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { RuntimeError } from "../../errors.js";
import { LOCAL_BUILD_FIX, LOCAL_BUILD_NOTE, nodeLlamaCppFolder } from "./node-llama-cpp.js";
import { readCpuinfo } from "../threads.js";
import { markBuildDone, markBuildStarted, removeLeftoverBuild, removePartialBuild } from "./build-leftovers.js";

/** x86 CPU features llama.cpp can use, as `/proc/cpuinfo` names them, and their CMake switches. */
const X86_FEATURES: ReadonlyArray<readonly [string, string]> = [
  ["avx", "GGML_AVX"],
  ["avx2", "GGML_AVX2"],
  ["fma", "GGML_FMA"],
  ["f16c", "GGML_F16C"],
  ["avx512f", "GGML_AVX512"],
  ["avx512vbmi", "GGML_AVX512_VBMI"],
  ["avx512_vnni", "GGML_AVX512_VNNI"],
  ["avx512_bf16", "GGML_AVX512_BF16"],
  ["avx_vnni", "GGML_AVX_VNNI"],
];

/**
 * The CMake options of parley's build for this CPU. On x86 Linux the features are named from
 * `/proc/cpuinfo` instead of `-march=native`: some virtual machines report AMX that the OS has
 * not enabled, and a native build then dies of an illegal instruction. Another CPU gives other
 * options, hence another folder: a build never loads on a CPU it was not made for.
 */
export function buildOptions(
  cpuinfo: string = readCpuinfo(),
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): Record<string, string> {
  const options: Record<string, string> = { GGML_OPENMP: "ON" };
  const flagsLine = cpuinfo.split("\n").find((line) => /^flags\s*:/.test(line));
  if (platform !== "linux" || arch !== "x64" || !flagsLine) return options;
  const flags = new Set(
    flagsLine
      .replace(/^flags\s*:/, "")
      .trim()
      .split(/\s+/),
  );
  options.GGML_NATIVE = "OFF";
  for (const [flag, option] of X86_FEATURES) options[option] = flags.has(flag) ? "ON" : "OFF";
  return options;
}

/**
 * `getLlama` options that load only what is installed, never building or downloading: parley's
 * own build for this CPU when there is one, else node-llama-cpp's prebuilt binary. A build with a
 * file cut short (a full disk, a copy that stopped) would bring the process down with a bus error
 * as it loads: it is passed over, with a sentence in `notes` saying so.
 */
export function installedBinaryOptions(notes?: string[]) {
  const leftover = removeLeftoverBuild();
  if (leftover !== undefined && notes && !notes.includes(leftover)) notes.push(leftover);
  const cmakeOptions = buildOptions();
  const damaged = cutShortLocalBuildFile();
  if (damaged !== undefined) {
    const note = `${LOCAL_BUILD_NOTE} is damaged (${damaged} is cut short), so the prebuilt one is used: ${LOCAL_BUILD_FIX}`;
    if (notes && !notes.includes(note)) notes.push(note);
    // Other options name another build folder, where there is none: node-llama-cpp then loads its prebuilt binary.
    cmakeOptions.PARLEY_DAMAGED_BUILD_PASSED_OVER = "ON";
  }
  return { build: "never", cmakeOptions, skipDownload: true, progressLogs: false } as const;
}

/**
 * True when an ELF file is shorter than its own headers say it is (its section headers, or a
 * segment, lie past its end): the dynamic loader maps such a file and the process dies of a bus
 * error when it touches the missing part. Local builds are 64-bit little-endian ELF; any other
 * file is false here (the loader refuses what is not ELF with a message of its own).
 */
export function elfCutShort(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(64);
    const got = readSync(fd, head, 0, 64, 0);
    // "\x7fELF", 64-bit, little-endian.
    if (got < 6 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return false;
    if (got < 64) return true;
    const phoff = Number(head.readBigUInt64LE(32));
    const shoff = Number(head.readBigUInt64LE(40));
    const [phsize, phnum, shsize, shnum] = [54, 56, 58, 60].map((at) => head.readUInt16LE(at)) as [
      number,
      number,
      number,
      number,
    ];
    const table = Buffer.alloc(phnum * phsize);
    let end = Math.max(shoff + shnum * shsize, phoff + table.length);
    if (end > size || readSync(fd, table, 0, table.length, phoff) < table.length) return true;
    for (let at = 0; at < table.length; at += phsize) {
      end = Math.max(end, Number(table.readBigUInt64LE(at + 8) + table.readBigUInt64LE(at + 32)));
    }
    return end > size;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** The first library of a finished local build that is cut short, by name; undefined when none is. */
export function cutShortLocalBuildFile(
  builds: string = join(nodeLlamaCppFolder(), "llama", "localBuilds"),
): string | undefined {
  if (process.platform !== "linux") return undefined;
  let folders: string[];
  try {
    folders = readdirSync(builds);
  } catch {
    return undefined;
  }
  for (const folder of folders) {
    if (!existsSync(join(builds, folder, "buildDone.status"))) continue;
    let files: string[];
    try {
      files = readdirSync(join(builds, folder, "Release"));
    } catch {
      continue;
    }
    for (const name of files) {
      if (/\.(node|so)(\.[\d.]+)?$/.test(name) && elfCutShort(join(builds, folder, "Release", name))) return name;
    }
  }
  return undefined;
}

/**
 * How long OpenMP's worker threads wait for the next piece of work, set while `load` runs (the
 * OpenMP runtime reads it once, when the local build loads it) unless the user set either
 * variable. Each llama.cpp evaluation runs on one of Node's pool threads, and OpenMP gives each
 * of them a team of its own; with more of those threads than cores, OpenMP waits only 100 spins
 * at the barriers between operations before it sleeps, and waking costs more than the operation:
 * two threads then decoded 9.5-9.7 ms a token on 2 cores against 7.2-7.4 ms with this (1 thread:
 * 7.2). `active` raises that to 1,000 spins; the spin count keeps OpenMP's usual wait when the
 * cores are not oversubscribed (300,000 spins, about 3 ms), so idle threads still sleep soon.
 */
export async function withOpenMpWaits<T>(load: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  if (env.OMP_WAIT_POLICY !== undefined || env.GOMP_SPINCOUNT !== undefined) return load();
  env.OMP_WAIT_POLICY = "active";
  env.GOMP_SPINCOUNT = "300000";
  try {
    return await load();
  } finally {
    delete env.OMP_WAIT_POLICY;
    delete env.GOMP_SPINCOUNT;
  }
}

export interface BuildProgress {
  /** A stage in words: "checking the tools", "copying the source", "compiling". */
  stage: string;
  /** Compile steps done and in all, once the compiler runs. */
  done?: number;
  total?: number;
}

const TOOLS: ReadonlyArray<readonly [string, string, string]> = [
  ["cmake", "--version", "cmake"],
  ["c++", "--version", "a C++ compiler (g++ or clang++)"],
  ["git", "--version", "git"],
];

/** The first tool the build needs that is missing, in words, or undefined. */
export function missingTool(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const [command, arg, what] of TOOLS) {
    const probe = spawnSync(command, [arg], { env, stdio: "ignore", timeout: 30_000 });
    if (probe.error || probe.status !== 0) return what;
  }
  return undefined;
}

/**
 * Runs one node-llama-cpp CLI command; its output goes to `log`, compile steps to `onStep`. The
 * command and the compilers it starts form a process group of their own, stopped together when
 * `signal` aborts.
 */
function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  log: NodeJS.WritableStream,
  onStep: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<number | null> {
  const cli = join(nodeLlamaCppFolder(), "dist", "cli", "cli.js");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const stop = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
    };
    signal?.addEventListener("abort", stop, { once: true });
    child.on("close", () => signal?.removeEventListener("abort", stop));
    let pending = "";
    const read = (chunk: Buffer) => {
      log.write(chunk);
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const step = /\[(\d+)\/(\d+)\]/.exec(line);
        if (step) onStep(Number(step[1]), Number(step[2]));
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("error", () => resolve(null));
    child.on("close", (code) => resolve(code));
  });
}

/** node-llama-cpp's `llama` folder, where builds go; a RuntimeError (`cannot ${what}: ...`) when it cannot be written. */
export function writableBuildFolder(what: string): string {
  const folder = join(nodeLlamaCppFolder(), "llama");
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new RuntimeError(`cannot ${what}: ${folder} cannot be written (run as the user who installed parley)`);
  }
  return folder;
}

/**
 * Builds llama.cpp for this CPU into node-llama-cpp's folder (`writableBuildFolder` checked first,
 * by the caller that holds the build's lock). Everything the build prints goes to `logFile`.
 * Throws a RuntimeError in words when a tool is missing or a step fails.
 */
export async function buildLlamaCpp(o: {
  logFile: string;
  onProgress: (p: BuildProgress) => void;
  /** Stops the build; what it wrote is removed and `{ removed }` (bytes) returned. */
  signal?: AbortSignal;
}): Promise<{ removed?: number }> {
  o.onProgress({ stage: "checking the tools" });
  const missing = missingTool();
  if (missing) throw new RuntimeError(`cannot build llama.cpp: ${missing} is missing (install it and try again)`);
  const folder = join(nodeLlamaCppFolder(), "llama");
  if (!existsSync(join(folder, "gitRelease.bundle")))
    throw new RuntimeError(`cannot build llama.cpp: node-llama-cpp holds no llama.cpp source (reinstall parley)`);
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: "true" };
  // node-llama-cpp turns OpenMP off when it believes it runs in CI; the option set here wins.
  for (const [key, value] of Object.entries(buildOptions())) env[`NODE_LLAMA_CPP_CMAKE_OPTION_${key}`] = value;
  const log = createWriteStream(o.logFile);
  const opened = new Promise<void>((resolve, reject) => {
    log.once("open", () => resolve());
    log.once("error", reject);
  });
  try {
    await opened;
  } catch {
    throw new RuntimeError(`cannot build llama.cpp: the log ${o.logFile} cannot be written`);
  }
  // A full disk later only cuts the log short; the build then fails and says so.
  log.on("error", () => undefined);
  const steps: Array<{ stage: string; args: string[] }> = [
    {
      stage: "copying the source",
      args: ["source", "download", "--gpu", "false", "--skipBuild", "--noUsageExample"],
    },
    { stage: "compiling", args: ["source", "build", "--gpu", "false", "--noUsageExample"] },
  ];
  markBuildStarted(folder);
  try {
    for (const step of steps) {
      if (o.signal?.aborted) break;
      o.onProgress({ stage: step.stage });
      const onStep = (done: number, total: number) => o.onProgress({ stage: step.stage, done, total });
      const code = await runCli(step.args, env, log, onStep, o.signal);
      if (o.signal?.aborted) break;
      if (code !== 0)
        throw new RuntimeError(`building llama.cpp failed while ${step.stage} (what it printed: ${o.logFile})`);
    }
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
  }
  if (o.signal?.aborted) return { removed: removePartialBuild(folder) };
  markBuildDone(folder);
  return {};
}

/** The lock held while the build in node-llama-cpp's folder is made or removed. */
export const BUILD_LOCK = ".parley-build.lock";

/** Local builds in node-llama-cpp's folder (parley's and any other), by folder name. */
export function localBuilds(): string[] {
  try {
    return readdirSync(join(nodeLlamaCppFolder(), "llama", "localBuilds"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Removes every local build and the copied source; the prebuilt binaries load again. */
export function removeLocalBuilds(): number {
  const llama = join(nodeLlamaCppFolder(), "llama");
  const builds = localBuilds();
  try {
    rmSync(join(llama, "localBuilds"), { recursive: true, force: true });
    rmSync(join(llama, "llama.cpp"), { recursive: true, force: true });
    rmSync(join(llama, "lastBuild.json"), { force: true });
    markBuildDone(llama);
  } catch {
    throw new RuntimeError(`cannot remove the local build in ${llama}: permission denied`);
  }
  return builds.length;
}
