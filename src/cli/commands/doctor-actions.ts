/** What `parley doctor` checks and how it reports. Exits 1 when a check fails. */
import { readEndpoints } from "../../store/endpoints.js";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { availableParallelism, cpus, freemem, totalmem } from "node:os";
import { join } from "node:path";
import { ExitCode } from "../../errors.js";
import { installedBinaryOptions } from "../../engine/llama/local-build.js";
import { defaultThreads, describeThreads, physicalCores } from "../../engine/threads.js";
import { formatBytes } from "../../models/describe.js";
import { DOWNLOADS_DIR, findInFolder, readAliases } from "../../models/folder.js";
import { DEFAULT_MODEL } from "../../models/recommend.js";
import { parseModelRef } from "../../models/refs.js";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import { parleyPaths, systemErrorText } from "../../store/paths.js";
import { fileChecks, type Check } from "./doctor-files.js";
import { listSummaries } from "./models-actions.js";
import {
  getLlamaCaught,
  loaderErrorText,
  LOCAL_BUILD_FIX,
  LOCAL_BUILD_NOTE,
  nodeLlamaCpp,
  nodeLlamaCppSource,
} from "../../engine/llama/node-llama-cpp.js";

interface Backend {
  name: string;
  available: boolean;
  reason?: string;
}

const NAMES: Record<string, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal" };
const LOADED_FROM = { bundle: "loaded from parley's one-file copy", modules: "loaded from node_modules" } as const;
const BUILD_TYPES: Record<string, string> = { localBuild: "built on this machine", prebuilt: "prebuilt" };

async function llamaReport(): Promise<{
  nodeLlamaCpp: string;
  llamaCpp?: string;
  buildType?: string;
  backends: Backend[];
  chosen: string;
  why: string;
  gpus: string[];
  vram?: { total: number; free: number };
  error?: string;
  /** What node-llama-cpp said while loading llama.cpp, in plain sentences. */
  notes: string[];
}> {
  const { getLlamaGpuTypes, getModuleVersion, LlamaLogLevel } = await nodeLlamaCpp();
  const version = await getModuleVersion();
  const notes: string[] = [];
  const quiet = { ...installedBinaryOptions(notes), logLevel: LlamaLogLevel.error, logger: () => undefined } as const;
  const backends: Backend[] = [];
  const supported = (await getLlamaGpuTypes("supported")).filter((g): g is Exclude<typeof g, false> => g !== false);
  for (const type of supported) {
    try {
      const llama = await getLlamaCaught({ ...quiet, gpu: type }, notes);
      backends.push({ name: NAMES[type] ?? type, available: llama.gpu === type });
      await llama.dispose();
    } catch (err) {
      backends.push({ name: NAMES[type] ?? type, available: false, reason: loaderErrorText(err) });
    }
  }
  let llama;
  try {
    llama = await getLlamaCaught({ ...quiet, gpu: "auto" }, notes);
  } catch (err) {
    return {
      nodeLlamaCpp: version,
      backends,
      chosen: "none",
      why: "no llama.cpp binary could be loaded",
      gpus: [],
      error: loaderErrorText(err),
      notes,
    };
  }
  try {
    backends.push({ name: "CPU", available: true });
    const chosen = llama.gpu === false ? "CPU" : (NAMES[llama.gpu] ?? llama.gpu);
    const why =
      llama.gpu === false
        ? supported.length === 0
          ? "no GPU or GPU driver that llama.cpp supports was found"
          : "no GPU backend loads on this machine, so llama.cpp runs on the CPU"
        : `the first GPU backend that loads, trying ${supported.map((s) => NAMES[s] ?? s).join(", ")} in that order`;
    const gpus = llama.gpu === false ? [] : await llama.getGpuDeviceNames();
    const vram = llama.gpu === false ? undefined : await llama.getVramState();
    return {
      nodeLlamaCpp: version,
      llamaCpp: llama.llamaCppRelease.release,
      buildType: llama.buildType,
      backends,
      chosen,
      why,
      gpus,
      ...(vram ? { vram: { total: vram.total, free: vram.free } } : {}),
      notes,
    };
  } finally {
    await llama.dispose();
  }
}

function writable(path: string): boolean {
  let dir = path;
  while (!existsSync(dir)) {
    const parent = join(dir, "..");
    if (parent === dir) return false;
    dir = parent;
  }
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The named endpoints, and whether each one's key variable is set now (never its value); no network. */
function endpointChecks(): Check[] {
  try {
    return [...readEndpoints().values()].map((e) => {
      const key =
        e.apiKeyEnv === undefined
          ? "no key"
          : `key in ${e.apiKeyEnv}: ${(process.env[e.apiKeyEnv] ?? "") !== "" ? "set" : "not set"}`;
      return { name: `endpoint ${e.name}`, ok: true, message: `endpoint ${e.name}: ${e.url}, ${key}` };
    });
  } catch (err) {
    return [
      {
        name: "endpoints",
        ok: false,
        message: sanitizeForTerminal(systemErrorText(err) ?? (err as Error).message.split("\n")[0] ?? ""),
        fix: "fix or delete the endpoints file",
      },
    ];
  }
}

export async function runDoctor(opts: { json?: boolean }): Promise<void> {
  const paths = parleyPaths();
  const checks: Check[] = [];
  const nodeMajor = Number(process.versions.node.split(".")[0]);
  checks.push(
    nodeMajor >= 20
      ? { name: "node", ok: true, message: `Node.js ${process.versions.node}` }
      : {
          name: "node",
          ok: false,
          message: `Node.js ${process.versions.node} is too old`,
          fix: "install Node.js 20 or later",
        },
  );
  const llama = await llamaReport();
  checks.push(
    llama.error
      ? {
          name: "llama.cpp",
          ok: false,
          message: `llama.cpp cannot start: ${llama.error}`,
          fix: "reinstall parley (npm install) so node-llama-cpp fetches its prebuilt binaries",
        }
      : { name: "llama.cpp", ok: true, message: `llama.cpp ${llama.llamaCpp ?? "?"} on ${llama.chosen}` },
  );
  // A build of parley's that no longer loads fails the check; anything else node-llama-cpp said
  // while trying the backends (a GPU binary that does not load, say) is shown, as the backends are.
  for (const note of llama.notes) {
    checks.push(
      note.startsWith(LOCAL_BUILD_NOTE)
        ? {
            name: "llama.cpp build",
            ok: false,
            message: note.replace(`: ${LOCAL_BUILD_FIX}`, ""),
            fix: "parley doctor --build (or parley doctor --remove-build)",
          }
        : { name: "llama.cpp", ok: true, message: note },
    );
  }
  if (
    !llama.error &&
    !llama.notes.some((n) => n.startsWith(LOCAL_BUILD_NOTE)) &&
    llama.chosen === "CPU" &&
    llama.buildType === "prebuilt" &&
    process.platform === "linux"
  ) {
    checks.push({
      name: "llama.cpp build",
      ok: true,
      message:
        "llama.cpp runs a prebuilt binary; `parley doctor --build` makes one for this CPU that loads faster and keeps its threads",
    });
  }
  const physical = physicalCores();
  const cpu = {
    model: cpus()[0]?.model ?? "?",
    physicalCores: physical,
    logicalCores: availableParallelism(),
    threads: defaultThreads(),
    threadsChoice: describeThreads(),
  };
  const ram = { total: totalmem(), free: freemem() };
  for (const [name, path] of [
    ["config folder", paths.config],
    ["models folder", paths.models],
  ] as const) {
    checks.push(
      writable(path)
        ? { name, ok: true, message: `${path} is writable` }
        : {
            name,
            ok: false,
            message: `${path} cannot be written`,
            fix: `make it writable, or set PARLEY_HOME to a folder you own`,
          },
    );
  }
  checks.push(...fileChecks(paths));
  let aliases: Record<string, string> = {};
  try {
    // Not when it is a pipe or a folder: `fileChecks` has said so, and reading it could wait forever.
    if (!checks.some((c) => c.name === "aliases" && !c.ok)) aliases = readAliases(paths.models);
  } catch {
    // fileChecks has said what is wrong with the aliases file.
  }
  for (const [name, ref] of Object.entries(aliases)) {
    const parsed = parseModelRef(ref);
    const missing =
      (parsed.kind === "name" && !findInFolder(paths.models, parsed.name)) ||
      (parsed.kind === "path" && !existsSync(parsed.path));
    if (missing) {
      checks.push({
        name: "aliases",
        ok: false,
        message: `alias ${name} names ${ref}, which is missing`,
        fix: `parley models alias --rm ${name}`,
      });
    }
  }
  let models: Awaited<ReturnType<typeof listSummaries>> = [];
  let unreadable = false;
  try {
    models = await listSummaries(paths.models, aliases);
  } catch (err) {
    // A models folder that cannot be read (a file in its place, no permission) is a check, not the end.
    unreadable = true;
    checks.push({
      name: "models",
      ok: false,
      message: (err as Error).message,
      fix: `make ${paths.models} a folder you can read`,
    });
  }
  for (const m of models.filter((x) => x.damaged)) {
    checks.push({
      name: "models",
      ok: false,
      message: `${m.file} is damaged: ${m.damaged}`,
      fix: `parley models rm ${m.name}`,
    });
  }
  const endpoints = endpointChecks();
  const remote = endpoints.filter((c) => c.ok).map((c) => c.name.replace(/^endpoint /, ""));
  if (models.length === 0 && !unreadable) {
    // Someone who runs every model on a server needs none here.
    checks.push(
      remote.length > 0 || (process.env.PARLEY_BASE_URL ?? "") !== ""
        ? {
            name: "models",
            ok: true,
            message: `no models in ${paths.models}; remote models through ${remote.length > 0 ? `endpoint ${remote.join(", ")}` : "PARLEY_BASE_URL"}`,
          }
        : {
            name: "models",
            ok: false,
            message: `no models in ${paths.models}`,
            fix: `parley models pull ${DEFAULT_MODEL.ref} --alias ${DEFAULT_MODEL.alias}`,
          },
    );
  }
  let unfinished = 0;
  try {
    unfinished = readdirSync(join(paths.models, DOWNLOADS_DIR)).filter((n) => !n.endsWith(".lock")).length;
  } catch {
    unfinished = 0;
  }
  if (unfinished > 0) {
    checks.push({
      name: "downloads",
      ok: true,
      message: `${unfinished} unfinished download${unfinished > 1 ? "s" : ""} in ${join(paths.models, DOWNLOADS_DIR)} (pull again to resume, or delete the folder)`,
    });
  }
  checks.push(...endpoints);
  const failing = checks.filter((c) => !c.ok);
  if (failing.length > 0) process.exitCode = ExitCode.failure;
  const report = {
    node: process.versions.node,
    nodeLlamaCpp: llama.nodeLlamaCpp,
    nodeLlamaCppLoadedFrom: nodeLlamaCppSource(),
    llamaCpp: llama.llamaCpp ?? null,
    llamaBuild: llama.buildType ?? null,
    backends: llama.backends,
    backend: { chosen: llama.chosen, why: llama.why },
    gpus: llama.gpus,
    vram: llama.vram ?? null,
    ram,
    cpu,
    paths,
    models: models.map((m) => ({
      name: m.name,
      file: m.file,
      size: m.size,
      aliases: m.aliases,
      damaged: m.damaged ?? null,
    })),
    checks,
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, undefined, 2)}\n`);
    return;
  }
  const tty = process.stdout.isTTY === true;
  const lines: string[] = [
    `parley doctor`,
    `  Node.js          ${process.versions.node}`,
    `  node-llama-cpp   ${llama.nodeLlamaCpp} (${LOADED_FROM[nodeLlamaCppSource()]})`,
    `  llama.cpp        ${llama.llamaCpp ?? "not loaded"}${llama.buildType ? ` (${BUILD_TYPES[llama.buildType] ?? llama.buildType})` : ""}`,
    `  backends         ${llama.backends.map((b) => `${b.name} ${b.available ? "yes" : `no${b.reason ? ` (${b.reason})` : ""}`}`).join(", ")}`,
    `  backend in use   ${llama.chosen}: ${llama.why}`,
    `  GPUs             ${llama.gpus.length > 0 ? llama.gpus.join(", ") : "none"}`,
    ...(llama.vram
      ? [`  VRAM             ${formatBytes(llama.vram.free)} free of ${formatBytes(llama.vram.total)}`]
      : []),
    `  RAM              ${formatBytes(ram.free)} free of ${formatBytes(ram.total)}`,
    `  CPU              ${cpu.model}: ${cpu.physicalCores} physical cores, ${cpu.logicalCores} logical`,
    `  threads          ${cpu.threadsChoice}`,
    `  config           ${paths.configFile}`,
    `  models folder    ${paths.models}`,
    `  conversations    ${paths.conversations}`,
    `  models           ${models.length === 0 ? "none" : models.map((m) => m.name + (m.damaged ? " (damaged)" : "")).join(", ")}`,
    "",
    ...checks.map((c) => `${c.ok ? "ok  " : "FAIL"}  ${c.message}${c.fix ? `\n        fix: ${c.fix}` : ""}`),
    "",
    failing.length === 0 ? "All checks passed." : `${failing.length} check${failing.length > 1 ? "s" : ""} failed.`,
  ];
  const text = lines.join("\n");
  process.stdout.write(`${tty ? sanitizeForTerminal(text) : text}\n`);
}
