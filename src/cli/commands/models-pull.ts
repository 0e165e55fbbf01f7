/** `parley models pull`: a download into the models folder, its alias, and the first default model. */
import { InterruptError, UsageError } from "../../errors.js";
import { localFileFor, pullModel, remoteLabel, type PullResult } from "../../models/download.js";
import { checkAliasName, modelFiles, modelsFolder, updateAliases } from "../../models/folder.js";
import { progressReporter } from "../../models/progress.js";
import { isRemote, parseModelRef } from "../../models/refs.js";
import { offlineFromEnv } from "../../models/resolve.js";
import { readConfig, setConfigValue } from "../../store/config.js";
import { pullStallMs } from "../env-check.js";
import { note, out } from "./models-io.js";

async function download(
  ref: ReturnType<typeof parseModelRef> & { kind: "hf" | "url" },
  folder: string,
  sha256?: string,
) {
  const stallMs = pullStallMs();
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once("SIGINT", onSigint);
  const report = progressReporter(process.stderr);
  try {
    return await pullModel(ref, {
      folder,
      ...(sha256 !== undefined ? { sha256 } : {}),
      onEvent: report,
      signal: controller.signal,
      ...(stallMs !== undefined ? { stallMs } : {}),
    });
  } catch (err) {
    // Whatever is said next starts on a line of its own, not on the progress bar.
    report({ type: "stopped" });
    if (!controller.signal.aborted) throw err;
    note("stopped; run the same command again to resume the download");
    throw new InterruptError();
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}

/**
 * The first model pulled becomes the default (config `model`) unless one is set, so a second
 * pull does not leave a plain `parley` with several models to choose from. When the folder
 * already held one model and no default was set, that one (what `parley` ran until now) is it.
 */
async function firstDefault(before: string[], result: PullResult): Promise<void> {
  if (before.length > 1 || (before.length === 1 && before[0] === result.file)) return;
  try {
    if (readConfig().model !== undefined) return;
  } catch {
    return; // A config file parley cannot read is reported by every run; the pull itself is done.
  }
  const file = before[0] ?? result.file;
  await setConfigValue("model", file);
  note(`${file.replace(/\.gguf$/i, "")} is now the default model (change it with \`parley config set model <name>\`)`);
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
  if ((opts.offline === true || offlineFromEnv()) && !localFileFor(folder, parsed)) {
    throw new UsageError(
      `${remoteLabel(parsed)} is not in the models folder and pulling it needs the network, but parley is offline`,
    );
  }
  const before = modelFiles(folder);
  const result = await download(parsed, folder, opts.sha256);
  if (result.clash !== undefined) {
    note(
      `a different model named ${result.clash} is already in the models folder: this one is saved as ${result.file}`,
    );
  } else if (result.existed) note(`already in the models folder: ${result.file}`);
  const alias = opts.alias;
  if (alias !== undefined) {
    updateAliases(folder, (aliases) => {
      aliases[alias] = result.file;
    });
    note(`alias ${alias} → ${result.file.replace(/\.gguf$/i, "")}`);
  }
  await firstDefault(before, result);
  out(result.path);
}
