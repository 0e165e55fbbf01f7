/**
 * `parley doctor --build` and `--remove-build`: llama.cpp built for this CPU from the source inside
 * node-llama-cpp (offline), which parley then loads instead of the prebuilt binary.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, InterruptError, RuntimeError } from "../../errors.js";
import { megabytes, removeLeftoverBuild } from "../../engine/llama/build-leftovers.js";
import {
  buildLlamaCpp,
  installedBinaryOptions,
  BUILD_LOCK,
  writableBuildFolder,
  removeLocalBuilds,
  type BuildProgress,
} from "../../engine/llama/local-build.js";
import { acquireLockSync, type ReleaseLock } from "../../store/owner-lock.js";
import { parleyPaths } from "../../store/paths.js";
import { getLlamaCaught, nodeLlamaCpp } from "../../engine/llama/node-llama-cpp.js";

const SIGNAL_EXIT = { SIGINT: ExitCode.interrupted, SIGTERM: ExitCode.terminated, SIGHUP: ExitCode.hangup } as const;

/** Which binary parley loads on the CPU now: "localBuild" after a build, else "prebuilt". */
export async function cpuBuildType(): Promise<string> {
  const { LlamaLogLevel } = await nodeLlamaCpp();
  // A local build that does not load is the prebuilt binary here; the doctor report says why.
  const llama = await getLlamaCaught({
    gpu: false,
    ...installedBinaryOptions(),
    logLevel: LlamaLogLevel.error,
    logger: () => undefined,
  });
  try {
    return llama.buildType;
  } finally {
    await llama.dispose();
  }
}

/**
 * Takes the build's lock, or throws in one line naming the parley that holds it: two builds (or a
 * build and a removal) in the same folder would undo each other's files. A lock whose process is
 * gone (a build killed outright) is taken over at once.
 */
function lockBuild(what: string): ReleaseLock {
  const lock = join(writableBuildFolder(what), BUILD_LOCK);
  return acquireLockSync(lock, "the llama.cpp build", { timeoutMs: 0, staleMs: 3 * 60 * 60_000 });
}

function progressWriter(): (p: BuildProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastStage = "";
  let lastTenth = -1;
  return (p) => {
    const counted = p.done !== undefined && p.total !== undefined && p.total > 0;
    if (tty) {
      const text = counted ? `${p.stage} ${p.done}/${p.total}` : p.stage;
      process.stderr.write(`\r\x1b[2K${text}`);
      return;
    }
    if (p.stage !== lastStage) {
      lastStage = p.stage;
      lastTenth = -1;
      process.stderr.write(`${p.stage}\n`);
    }
    if (counted) {
      const tenth = Math.floor((p.done! / p.total!) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${p.stage} ${p.done}/${p.total}\n`);
      }
    }
  };
}

export async function runDoctorBuild(): Promise<void> {
  const data = parleyPaths().data;
  try {
    mkdirSync(data, { recursive: true });
  } catch {
    throw new RuntimeError(`cannot build llama.cpp: the folder ${data} cannot be created`);
  }
  const logFile = join(data, "llama-build.log");
  const release = lockBuild("build llama.cpp");
  try {
    const leftover = removeLeftoverBuild();
    if (leftover !== undefined) process.stderr.write(`${leftover}\n`);
    await buildAndCheck(logFile);
  } finally {
    release();
  }
}

async function buildAndCheck(logFile: string): Promise<void> {
  process.stderr.write(
    `Building llama.cpp for this CPU from the source inside node-llama-cpp (no download).\n` +
      `This takes 15 to 30 minutes on 2 cores; what the build prints goes to ${logFile}\n`,
  );
  const started = performance.now();
  const write = progressWriter();
  // Ctrl+C, SIGTERM or SIGHUP stop the compilers and remove the half-made build (about 200 MB).
  const stop = new AbortController();
  let stoppedBy: keyof typeof SIGNAL_EXIT | undefined;
  const onSignal = (signal: keyof typeof SIGNAL_EXIT) => (): void => {
    stoppedBy ??= signal;
    stop.abort();
  };
  const handlers = (Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]).map((s) => [s, onSignal(s)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  let result: { removed?: number };
  try {
    result = await buildLlamaCpp({ logFile, onProgress: write, signal: stop.signal });
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    if (process.stderr.isTTY) process.stderr.write("\n");
  }
  if (result.removed !== undefined) {
    process.stderr.write(`stopped: the partial build was removed (${megabytes(result.removed)} freed)\n`);
    throw new InterruptError("interrupted", SIGNAL_EXIT[stoppedBy ?? "SIGINT"]);
  }
  const type = await cpuBuildType();
  if (type !== "localBuild")
    throw new RuntimeError(`the build finished but llama.cpp still loads the ${type} binary (see ${logFile})`);
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  process.stdout.write(
    `Built in ${minutes} minutes: parley now runs llama.cpp built for this CPU when it runs on the CPU.\n` +
      `\`parley doctor --remove-build\` goes back to the prebuilt binaries.\n`,
  );
}

export function runDoctorRemoveBuild(): void {
  const release = lockBuild("remove the local build");
  let removed: number;
  try {
    removed = removeLocalBuilds();
  } finally {
    release();
  }
  process.stdout.write(
    removed === 0
      ? "There was no local build of llama.cpp: parley runs the prebuilt binaries.\n"
      : `Removed the local build of llama.cpp: parley runs the prebuilt binaries again.\n`,
  );
}
