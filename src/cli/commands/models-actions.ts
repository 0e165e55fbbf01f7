/** What the `parley models` subcommands that only look do: list, info, recommend. */
import { basename, dirname, join } from "node:path";
import { listEndpointModels, type EndpointModels } from "../../core/remote-model.js";
import { ModelError, UsageError } from "../../errors.js";
import { formatBytes, formatParameters, describeModel, type ModelSummary } from "../../models/describe.js";
import { localFileFor, remoteLabel } from "../../models/download.js";
import { aliasesByFile, findInFolder, modelFiles, modelsFolder, readAliases } from "../../models/folder.js";
import { recommendFor, DEFAULT_MODEL } from "../../models/recommend.js";
import { isRemote, parseModelRef } from "../../models/refs.js";
import { resolveModelRef } from "../../models/resolve.js";
import { note, out, outJson } from "./models-io.js";

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

/** The named endpoints' models as rows of a second table, marked with where they are. */
function remoteRows(remote: readonly EndpointModels[]): string[][] {
  const rows = [["REMOTE MODEL", "ENDPOINT", "CONTEXT"]];
  for (const e of remote) {
    for (const m of e.models ?? []) {
      rows.push([
        `${e.endpoint}:${m.id}`,
        `${e.endpoint} (${e.url})`,
        String(m.contextSize ?? m.trainContextSize ?? "?"),
      ]);
    }
  }
  return rows;
}

/** Each remote model for `--json`: where it is, and the reference that uses it. */
function remoteJson(remote: readonly EndpointModels[]): Record<string, unknown>[] {
  return remote.flatMap((e) =>
    (e.models ?? []).map((m) => ({
      name: `${e.endpoint}:${m.id}`,
      id: m.id,
      location: "remote",
      endpoint: e.endpoint,
      url: e.url,
      contextSize: m.contextSize ?? null,
      ...(m.trainContextSize !== undefined ? { trainContextSize: m.trainContextSize } : {}),
    })),
  );
}

export async function listModels(opts: { json?: boolean }): Promise<void> {
  const folder = modelsFolder();
  // The endpoints are asked while the folder is read; one that does not answer is one line.
  const [models, remote] = await Promise.all([listSummaries(folder), listEndpointModels()]);
  for (const e of remote) if (e.error !== undefined) note(`${e.error}: its models are not listed`);
  if (opts.json) return outJson([...models.map((m) => ({ ...m, location: "local" })), ...remoteJson(remote)]);
  const remoteTable = remoteRows(remote);
  if (models.length === 0) {
    note(`no models in ${folder}: pull one with \`parley models pull <ref>\` (see \`parley models recommend\`)`);
    if (remoteTable.length > 1) for (const line of table(remoteTable)) out(line);
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
  if (remoteTable.length > 1) {
    out("");
    for (const line of table(remoteTable)) out(line);
  }
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
  if (opts.json) return outJson(info);
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

export function recommendCommand(opts: { json?: boolean }): void {
  const { fits, memory } = recommendFor();
  if (opts.json) return outJson({ memory, default: DEFAULT_MODEL.ref, models: fits });
  note(`Models that fit this machine's ${formatBytes(memory)} of memory (Q4_K_M quantization):`);
  const rows = [["NAME", "SIZE", "GOOD AT", "PULL WITH"]];
  for (const r of fits) {
    const mark = r.ref === DEFAULT_MODEL.ref ? " (default)" : "";
    rows.push([`${r.name}${mark}`, formatBytes(r.size), r.goodAt, `parley models pull ${r.ref} --alias ${r.alias}`]);
  }
  for (const line of table(rows)) out(line);
}
