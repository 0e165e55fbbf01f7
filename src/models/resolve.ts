/**
 * Model references to local files: the one entry point the rest of parley calls. A reference is
 * a path (with `~`), a file name or a name without `.gguf` in the models folder, an alias,
 * `hf:<user>/<repo>:<quant>`, `hf:<user>/<repo>/<file>.gguf` or an `https://` URL.
 */
import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { checkModelFile } from "./check-file.js";
import { pullModel, localFileFor, remoteLabel, type PullEvent, type RemoteRef } from "./download.js";
import { aliasTarget, findInFolder, modelFiles, modelsFolder, readAliases, updateAliases } from "./folder.js";
import { DEFAULT_MODEL } from "./recommend.js";
import { formatBytes } from "./describe.js";
import { isRemote, parseModelRef } from "./refs.js";

export interface ResolveOptions {
  /** Forbid the network (`--offline`, `PARLEY_OFFLINE=1`). */
  offline: boolean;
  /** A person is at a terminal and may be asked a question (first run). */
  interactive: boolean;
  /** Progress of a download the reference needs. */
  onProgress?: (event: PullEvent) => void;
  /** Asks a yes/no question; Enter means yes. Needed for the first-run offer. */
  ask?: (question: string) => Promise<boolean>;
  signal?: AbortSignal;
  /** The models folder; defaults to the one `parley paths` shows. */
  folder?: string;
}

/** `PARLEY_OFFLINE=1` (or true/yes) turns offline mode on. */
export function offlineFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes|on)$/i.test(env.PARLEY_OFFLINE ?? "");
}

function offlineError(label: string): UsageError {
  return new UsageError(
    `${label} is not in the models folder and getting it needs the network, but parley is offline (-m <file.gguf> uses a model file you have)`,
  );
}

async function resolveRemote(ref: RemoteRef, folder: string, options: ResolveOptions): Promise<string> {
  const local = localFileFor(folder, ref);
  if (local) return checkModelFile(local);
  if (options.offline) throw offlineError(remoteLabel(ref));
  const pulled = await pullModel(ref, {
    folder,
    ...(options.onProgress ? { onEvent: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return checkModelFile(pulled.path);
}

/** The names that come closest to what was asked, for "did you mean". */
function nearNames(folder: string, name: string, aliases: string[]): string[] {
  const lower = name.toLowerCase();
  const names = [...modelFiles(folder).map((f) => f.replace(/\.gguf$/i, "")), ...aliases];
  return names.filter((n) => n.toLowerCase().includes(lower) || lower.includes(n.toLowerCase())).slice(0, 5);
}

async function resolveName(name: string, folder: string, options: ResolveOptions, viaAlias: boolean): Promise<string> {
  const aliases = readAliases(folder);
  const target = viaAlias ? undefined : aliasTarget(aliases, name);
  if (target !== undefined) {
    const ref = parseModelRef(target);
    if (ref.kind === "name") {
      const inFolder = findInFolder(folder, ref.name);
      if (!inFolder) throw new UsageError(`alias "${name}" names ${target}, which is not in the models folder`);
      return checkModelFile(inFolder);
    }
    return resolveParsed(ref, folder, options, true);
  }
  const inFolder = findInFolder(folder, name);
  if (inFolder) return checkModelFile(inFolder);
  const here = resolve(name);
  if (existsSync(here)) return checkModelFile(here);
  const near = nearNames(folder, name, Object.keys(aliases));
  throw new UsageError(
    `no model named "${name}" in ${folder}` +
      (near.length > 0 ? ` (did you mean ${near.join(", ")}?)` : "; see `parley models list`"),
  );
}

async function resolveParsed(
  ref: ReturnType<typeof parseModelRef>,
  folder: string,
  options: ResolveOptions,
  viaAlias: boolean,
): Promise<string> {
  if (isRemote(ref)) return resolveRemote(ref, folder, options);
  if (ref.kind === "path") return checkModelFile(ref.path);
  return resolveName(ref.name, folder, options, viaAlias);
}

/** The model to use when none is named: the only one in the folder, or (first run) the default. */
async function chooseDefault(folder: string, options: ResolveOptions): Promise<string> {
  const files = modelFiles(folder);
  if (files.length === 1 && files[0] !== undefined) return checkModelFile(`${folder}/${files[0]}`);
  if (files.length > 1) {
    const names = files.map((f) => f.replace(/\.gguf$/i, ""));
    throw new UsageError(
      `several models are in ${folder} (${names.join(", ")}): choose one with -m <name> or \`parley config set model <name>\``,
    );
  }
  const pull = `parley models pull ${DEFAULT_MODEL.ref} --alias ${DEFAULT_MODEL.alias}`;
  if (options.offline) {
    throw new UsageError(`no model yet and parley is offline: put a .gguf file in ${folder} or pass -m <file.gguf>`);
  }
  if (!options.interactive || !options.ask) {
    throw new UsageError(`no model yet: download the default one with \`${pull}\`, or pass -m <file.gguf>`);
  }
  const yes = await options.ask(
    `No model yet. Download ${DEFAULT_MODEL.name} (about ${formatBytes(DEFAULT_MODEL.size)}) from Hugging Face into ${folder}? [Y/n] `,
  );
  if (!yes) throw new UsageError(`no model: download one with \`${pull}\`, or pass -m <file.gguf>`);
  const ref = parseModelRef(DEFAULT_MODEL.ref) as RemoteRef;
  const path = await resolveRemote(ref, folder, options);
  updateAliases(folder, (aliases) => {
    if (aliasTarget(aliases, DEFAULT_MODEL.alias) === undefined) aliases[DEFAULT_MODEL.alias] = basename(path);
  });
  return path;
}

/**
 * Resolves what the user named (`-m`, PARLEY_MODEL, config, preset, alias, `/model`) to a local
 * GGUF file, downloading it first when it is remote and not here yet. With no reference, chooses
 * the default model. Throws UsageError (exit 2) or ModelError (exit 3) with one plain line.
 */
export async function resolveModelRef(ref: string | undefined, options: ResolveOptions): Promise<string> {
  const folder = options.folder ?? modelsFolder();
  if (ref === undefined || ref.trim() === "") return chooseDefault(folder, options);
  return resolveParsed(parseModelRef(ref), folder, options, false);
}
