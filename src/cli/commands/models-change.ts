/** `parley models rm` and `parley models alias`: changing the models folder and its aliases. */
import { rmSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { RuntimeError, UsageError } from "../../errors.js";
import { localFileFor, remoteLabel } from "../../models/download.js";
import {
  aliasTarget,
  checkAliasName,
  findInFolder,
  modelFiles,
  modelsFolder,
  readAliases,
  updateAliases,
} from "../../models/folder.js";
import { forgetOrigins } from "../../models/origins.js";
import { isRemote, parseModelRef } from "../../models/refs.js";
import { resolveModelRef } from "../../models/resolve.js";
import { note, out } from "./models-io.js";

/** The model file in the folder that `ref` names; only `*.gguf` model files, never another file or a folder. */
function modelToRemove(folder: string, ref: string): string | undefined {
  const parsed = parseModelRef(ref);
  if (parsed.kind === "name") return findInFolder(folder, aliasTarget(readAliases(folder), parsed.name) ?? parsed.name);
  if (parsed.kind === "path") {
    const file = basename(parsed.path);
    if (dirname(parsed.path) !== folder || !modelFiles(folder).includes(file)) {
      throw new UsageError(`rm only deletes models (.gguf files) in the models folder (${folder}), not ${parsed.path}`);
    }
    return parsed.path;
  }
  return localFileFor(folder, parsed);
}

export function removeCommand(ref: string): void {
  const folder = modelsFolder();
  const path = modelToRemove(folder, ref);
  if (!path) throw new UsageError(`no model "${ref}" in ${folder}; see \`parley models list\``);
  const file = basename(path);
  try {
    rmSync(path, { force: true });
  } catch (err) {
    throw new RuntimeError(
      `cannot remove ${path}: ${(err as NodeJS.ErrnoException).code === "EACCES" ? "permission denied" : "the file cannot be removed"}`,
    );
  }
  let dropped: string[] = [];
  updateAliases(folder, (aliases) => {
    dropped = Object.keys(aliases).filter((name) => aliases[name] === file);
    for (const name of dropped) delete aliases[name];
  });
  forgetOrigins(folder, file);
  note(
    `removed ${file}${dropped.length > 0 ? ` and its alias${dropped.length > 1 ? "es" : ""} ${dropped.join(", ")}` : ""}`,
  );
}

function listAliases(folder: string): void {
  const aliases = readAliases(folder);
  const names = Object.keys(aliases).sort();
  if (names.length === 0) return note("no aliases; add one with `parley models alias <name> <ref>`");
  for (const n of names) out(`${n.padEnd(20)}${aliases[n]}`);
}

async function aliasTargetFor(folder: string, ref: string): Promise<string> {
  const parsed = parseModelRef(ref);
  if (isRemote(parsed)) {
    const local = localFileFor(folder, parsed);
    return local ? basename(local) : remoteLabel(parsed);
  }
  const path = await resolveModelRef(ref, { offline: true, interactive: false, folder });
  return dirname(path) === folder ? basename(path) : resolve(path);
}

export async function aliasCommand(
  name: string | undefined,
  ref: string | undefined,
  opts: { rm?: boolean },
): Promise<void> {
  const folder = modelsFolder();
  if (name === undefined) {
    if (opts.rm) throw new UsageError("alias --rm needs the alias name");
    return listAliases(folder);
  }
  const current = aliasTarget(readAliases(folder), name);
  if (opts.rm) {
    if (ref !== undefined) throw new UsageError("alias --rm takes only the alias name");
    if (current === undefined) throw new UsageError(`no alias "${name}"`);
    updateAliases(folder, (aliases) => {
      delete aliases[name];
    });
    return note(`removed alias ${name}`);
  }
  if (ref === undefined) {
    if (current === undefined)
      throw new UsageError(`no alias "${name}"; to add one: parley models alias ${name} <ref>`);
    return out(current);
  }
  checkAliasName(name);
  if (findInFolder(folder, name) && current === undefined) {
    throw new UsageError(`there is already a model named "${name}"; choose another alias`);
  }
  const target = await aliasTargetFor(folder, ref);
  updateAliases(folder, (aliases) => {
    aliases[name] = target;
  });
  note(`alias ${name} → ${target}`);
}
