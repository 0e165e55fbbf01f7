/** What the `parley models` subcommands do. */
import { existsSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InterruptError, ModelError, UsageError } from "../../errors.js";
import { formatBytes, formatParameters, describeModel, type ModelSummary } from "../../models/describe.js";
import { forgetOrigins, localFileFor, pullModel, remoteLabel } from "../../models/download.js";
import {
  aliasesByFile,
  checkAliasName,
  findInFolder,
  modelFiles,
  modelsFolder,
  readAliases,
  writeAliases,
} from "../../models/folder.js";
import { progressReporter } from "../../models/progress.js";
import { recommendFor, DEFAULT_MODEL } from "../../models/recommend.js";
import { isRemote, parseModelRef } from "../../models/refs.js";
import { offlineFromEnv, resolveModelRef } from "../../models/resolve.js";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import { pullStallMs } from "../env-check.js";

const tty = process.stdout.isTTY === true;

function out(text: string): void {
  process.stdout.write(`${tty ? sanitizeForTerminal(text) : text}\n`);
}

function note(text: string): void {
  process.stderr.write(`${sanitizeForTerminal(text)}\n`);
}

/** The models in the folder; `aliases` as read already (doctor reads them once, forgiving a bad file). */
export async function listSummaries(folder: string, aliases = readAliases(folder)): Promise<ModelSummary[]> {
  const byFile = aliasesByFile(aliases);
  return Promise.all(modelFiles(folder).map((f) => describeModel(join(folder, f), f, byFile.get(f) ?? [])));
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

export async function listModels(opts: { json?: boolean }): Promise<void> {
  const folder = modelsFolder();
  const models = await listSummaries(folder);
  if (opts.json) return out(JSON.stringify(models, undefined, 2));
  if (models.length === 0) {
    note(`no models in ${folder}: pull one with \`parley models pull <ref>\` (see \`parley models recommend\`)`);
    return;
  }
  const rows = [["NAME", "ALIAS", "SIZE", "ARCH", "PARAMS", "QUANT", "CONTEXT", "TEMPLATE"]];
  for (const m of models) {
    const alias = m.aliases.join(",") || "-";
    if (m.damaged) {
      rows.push([m.name, alias, formatBytes(m.size), "damaged", "-", "-", "-", "-", m.damaged]);
      continue;
    }
    rows.push([
      m.name,
      alias,
      formatBytes(m.size),
      m.architecture ?? "?",
      m.parameters !== undefined ? formatParameters(m.parameters) : "?",
      m.quantization ?? "?",
      m.contextLength !== undefined ? String(m.contextLength) : "?",
      m.chatTemplate ?? "none",
    ]);
  }
  for (const line of table(rows)) out(line);
}

function offline(opts: { offline?: boolean }): boolean {
  return opts.offline === true || offlineFromEnv();
}

export async function pullCommand(
  ref: string,
  opts: { alias?: string; sha256?: string; offline?: boolean },
): Promise<void> {
  if (opts.alias !== undefined) checkAliasName(opts.alias);
  const parsed = parseModelRef(ref);
  if (!isRemote(parsed)) {
    throw new UsageError(
      `"${ref}" is not a download: pull takes hf:<user>/<repo>:<quant>, hf:<user>/<repo>/<file>.gguf or an https:// URL`,
    );
  }
  const folder = modelsFolder();
  if (offline(opts) && !localFileFor(folder, parsed)) {
    throw new UsageError(
      `${remoteLabel(parsed)} is not in the models folder and pulling it needs the network, but parley is offline`,
    );
  }
  const stallMs = pullStallMs();
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once("SIGINT", onSigint);
  let result: Awaited<ReturnType<typeof pullModel>>;
  try {
    result = await pullModel(parsed, {
      folder,
      ...(opts.sha256 !== undefined ? { sha256: opts.sha256 } : {}),
      onEvent: progressReporter(process.stderr),
      signal: controller.signal,
      ...(stallMs !== undefined ? { stallMs } : {}),
    });
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    note("stopped; run the same command again to resume the download");
    throw new InterruptError();
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
  if (result.existed) note(`already in the models folder: ${result.file}`);
  if (opts.alias !== undefined) {
    writeAliases(folder, { ...readAliases(folder), [opts.alias]: result.file });
    note(`alias ${opts.alias} → ${result.file.replace(/\.gguf$/i, "")}`);
  }
  out(result.path);
}

function parseContextSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 16 || n > 10_000_000) {
    throw new UsageError(
      `invalid value for --context-size: ${JSON.stringify(raw)} (expected a whole number of at least 16)`,
    );
  }
  return n;
}

/** A reference resolved without the network, for the commands that only look at local files. */
async function localModel(ref: string): Promise<string> {
  const parsed = parseModelRef(ref);
  const folder = modelsFolder();
  if (isRemote(parsed) && !localFileFor(folder, parsed)) {
    throw new UsageError(
      `${remoteLabel(parsed)} is not in the models folder: pull it first with \`parley models pull ${ref}\``,
    );
  }
  return resolveModelRef(ref, { offline: true, interactive: false, folder });
}

export async function infoCommand(ref: string, opts: { contextSize?: string; json?: boolean }): Promise<void> {
  const contextSize = parseContextSize(opts.contextSize);
  const folder = modelsFolder();
  const path = await localModel(ref).catch((err: unknown) => {
    // A damaged file in the folder is still worth describing.
    const inFolder = findInFolder(folder, ref);
    if (inFolder && err instanceof ModelError) return inFolder;
    throw err;
  });
  const file = basename(path);
  const aliases = dirname(path) === folder ? (aliasesByFile(readAliases(folder)).get(file) ?? []) : [];
  const summary = await describeModel(path, file, aliases);
  if (summary.damaged) throw new ModelError(`${file} is damaged: ${summary.damaged}`);
  const { modelInsight } = await import("../../engine/llama/insights.js");
  const { installedBinaryOptions } = await import("../../engine/llama/local-build.js");
  const info = { ...summary, ...(await modelInsight(path, contextSize, installedBinaryOptions())) };
  if (opts.json) return out(JSON.stringify(info, undefined, 2));
  const fits = (f: boolean): string => (f ? "fits" : "does NOT fit");
  const lines: [string, string][] = [
    ["name", info.name],
    ["file", info.path],
    ["aliases", info.aliases.join(", ") || "-"],
    ["model", info.title ?? "-"],
    ["size", formatBytes(info.size)],
    ["architecture", info.architecture ?? "?"],
    ["parameters", info.parameters !== undefined ? formatParameters(info.parameters) : "?"],
    ["quantization", info.quantization ?? "?"],
    ["layers", info.layers !== undefined ? String(info.layers) : "?"],
    ["training context", info.contextLength !== undefined ? String(info.contextLength) : "?"],
    ["chat template", info.chatTemplate ?? "none"],
    ["backend", info.backend + (info.gpuLayers !== undefined ? ` (${info.gpuLayers} layers on the GPU)` : "")],
    [
      `memory at ${info.contextSize}`,
      `${formatBytes(info.ram.needed)} RAM of ${formatBytes(info.ram.total)}: ${fits(info.ram.fits)}` +
        (info.vram
          ? `; ${formatBytes(info.vram.needed)} VRAM of ${formatBytes(info.vram.total)}: ${fits(info.vram.fits)}`
          : ""),
    ],
  ];
  for (const [k, v] of lines) out(`${k.padEnd(20)}${v}`);
  for (const w of info.warnings) out(`${"warning".padEnd(20)}${w}`);
}

export function removeCommand(ref: string): void {
  const folder = modelsFolder();
  const aliases = readAliases(folder);
  const parsed = parseModelRef(ref);
  let path: string | undefined;
  if (parsed.kind === "name") {
    const target = aliases[parsed.name];
    path = findInFolder(folder, target ?? parsed.name);
  } else if (parsed.kind === "path") {
    path = dirname(parsed.path) === folder && existsSync(parsed.path) ? parsed.path : undefined;
    if (!path) throw new UsageError(`rm only deletes models in the models folder (${folder}), not ${parsed.path}`);
  } else {
    path = localFileFor(folder, parsed);
  }
  if (!path) throw new UsageError(`no model "${ref}" in ${folder}; see \`parley models list\``);
  const file = basename(path);
  rmSync(path, { force: true });
  const dropped = Object.keys(aliases).filter((name) => aliases[name] === file);
  if (dropped.length > 0) {
    for (const name of dropped) delete aliases[name];
    writeAliases(folder, aliases);
  }
  forgetOrigins(folder, file);
  note(
    `removed ${file}${dropped.length > 0 ? ` and its alias${dropped.length > 1 ? "es" : ""} ${dropped.join(", ")}` : ""}`,
  );
}

export async function aliasCommand(
  name: string | undefined,
  ref: string | undefined,
  opts: { rm?: boolean },
): Promise<void> {
  const folder = modelsFolder();
  const aliases = readAliases(folder);
  if (name === undefined) {
    if (opts.rm) throw new UsageError("alias --rm needs the alias name");
    const names = Object.keys(aliases).sort();
    if (names.length === 0) return note("no aliases; add one with `parley models alias <name> <ref>`");
    for (const n of names) out(`${n.padEnd(20)}${aliases[n]}`);
    return;
  }
  if (opts.rm) {
    if (ref !== undefined) throw new UsageError("alias --rm takes only the alias name");
    if (aliases[name] === undefined) throw new UsageError(`no alias "${name}"`);
    delete aliases[name];
    writeAliases(folder, aliases);
    return note(`removed alias ${name}`);
  }
  if (ref === undefined) {
    if (aliases[name] === undefined)
      throw new UsageError(`no alias "${name}"; to add one: parley models alias ${name} <ref>`);
    return out(aliases[name]);
  }
  checkAliasName(name);
  if (findInFolder(folder, name) && aliases[name] === undefined) {
    throw new UsageError(`there is already a model named "${name}"; choose another alias`);
  }
  const parsed = parseModelRef(ref);
  let target: string;
  if (isRemote(parsed)) {
    const local = localFileFor(folder, parsed);
    target = local ? basename(local) : remoteLabel(parsed);
  } else {
    const path = await resolveModelRef(ref, { offline: true, interactive: false, folder });
    target = dirname(path) === folder ? basename(path) : resolve(path);
  }
  writeAliases(folder, { ...aliases, [name]: target });
  note(`alias ${name} → ${target}`);
}

export function recommendCommand(opts: { json?: boolean }): void {
  const { fits, memory } = recommendFor();
  if (opts.json) return out(JSON.stringify({ memory, default: DEFAULT_MODEL.ref, models: fits }, undefined, 2));
  note(`Models that fit this machine's ${formatBytes(memory)} of memory (Q4_K_M quantization):`);
  const rows = [["NAME", "SIZE", "GOOD AT", "PULL WITH"]];
  for (const r of fits) {
    const mark = r.ref === DEFAULT_MODEL.ref ? " (default)" : "";
    rows.push([`${r.name}${mark}`, formatBytes(r.size), r.goodAt, `parley models pull ${r.ref} --alias ${r.alias}`]);
  }
  for (const line of table(rows)) out(line);
}
