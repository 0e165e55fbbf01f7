/**
 * `parley doctor`'s look at every file parley reads when it starts: the config, the presets, the
 * aliases, the input history and the small memory files. Each is read the way a run reads it;
 * a file that would stop a run (or that a run would quietly skip) is a failing check naming the
 * file and the problem. The environment variables are checked here too.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { aliasesPath, readAliases } from "../../models/folder.js";
import { readConfig, type ConfigValues } from "../../store/config.js";
import { readTextFileBounded, INPUT_LIMITS } from "../../store/read-bounded.js";
import { expandHome, fileErrorText, systemErrorText, type ParleyPaths } from "../../store/paths.js";
import { readPresets } from "../../store/presets.js";
import { environmentProblems } from "../env-check.js";
import { looksLikeModelPath } from "./config-actions.js";

export interface Check {
  name: string;
  ok: boolean;
  message: string;
  fix?: string;
}

/** The small memory files parley remakes when they are gone, by what they are called. */
const MEMORY_LIMIT = 256 * 1024;

/** Why a file could not be read, in words: a file system refusal as its reason, never an error code. */
function firstLine(err: unknown): string {
  return systemErrorText(err) ?? ((err as Error).message ?? String(err)).split("\n")[0]?.trim() ?? "unknown failure";
}

/** Why the file at `path` cannot be read as a plain file; undefined when it can (or is absent). */
function notAFile(path: string): string | undefined {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? undefined : `${path} cannot be read: ${fileErrorText(err)}`;
  }
  return isFile ? undefined : `${path} is not a regular file (a folder, a pipe or a device)`;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads one file with `read`; a failure is a failing check with `fix`. */
function check(name: string, path: string, fix: string, read: () => void): Check | undefined {
  if (!exists(path)) return undefined;
  const special = notAFile(path);
  if (special !== undefined) return { name, ok: false, message: special, fix };
  try {
    read();
    return undefined;
  } catch (err) {
    const message = firstLine(err);
    // Most stores' messages already say how to fix the file: not twice.
    return { name, ok: false, message, ...(/\bfix it\b/.test(message) ? {} : { fix }) };
  }
}

function memoryFile(path: string, what: string): void {
  const text = readTextFileBounded(path, what, MEMORY_LIMIT);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${what} ${path} is not valid JSON, so parley ignores it`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    throw new Error(`${what} ${path} does not hold a JSON object, so parley ignores it`);
}

function inputHistory(path: string): void {
  // The chat reads only the end of a larger file, and compacts it: nothing wrong with that.
  if (statSync(path).size > INPUT_LIMITS.inputHistory) return;
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n").filter((l) => l !== "");
  // The last line may be cut short by a run that stopped while writing it: that one is expected.
  const bad = lines.slice(0, -1).filter((line) => {
    try {
      return typeof JSON.parse(line) !== "string";
    } catch {
      return true;
    }
  }).length;
  if (bad > 0)
    throw new Error(
      `${bad === 1 ? "1 line" : `${bad} lines`} of ${path} ${bad === 1 ? "is not a saved prompt" : "are not saved prompts"}; the chat skips ${bad === 1 ? "it" : "them"}`,
    );
}

/** What the config names that must exist for a run to start: its preset, and a model path. */
function configReferences(values: ConfigValues, paths: ParleyPaths): Check[] {
  const out: Check[] = [];
  const preset = values.preset;
  if (typeof preset === "string") {
    try {
      if (!readPresets(paths.presetsFile).has(preset))
        out.push({
          name: "config",
          ok: false,
          message: `${paths.configFile} names the preset "${preset}", which is not in ${paths.presetsFile}`,
          fix: `parley config unset preset, or add it with parley prompts add ${preset} <text>`,
        });
    } catch {
      // The presets file's own check says what is wrong with it.
    }
  }
  const keyEnv = values["api-key-env"];
  if (typeof keyEnv === "string") {
    // Whether the variable is set, never its value.
    const set = (process.env[keyEnv] ?? "") !== "";
    out.push({
      name: "config",
      ok: true,
      message: `the key for --base-url is read from ${keyEnv}: ${set ? "set" : "not set"}`,
    });
  }
  const model = values.model;
  if (typeof model === "string" && looksLikeModelPath(model) && !exists(expandHome(model))) {
    out.push({
      name: "config",
      ok: false,
      message: `${paths.configFile} names the model ${model}, which is missing`,
      fix: "parley config set model <file.gguf>, or parley config unset model",
    });
  }
  return out;
}

/** The failing checks of the files parley reads at start, and of its environment variables. */
export function fileChecks(paths: ParleyPaths): Check[] {
  let config: ConfigValues = {};
  const checks: (Check | undefined)[] = [
    check("config", paths.configFile, `parley config edit, or delete ${paths.configFile} to reset`, () => {
      config = readConfig(paths.configFile);
    }),
  ];
  checks.push(
    ...configReferences(config, paths),
    check("presets", paths.presetsFile, `fix ${paths.presetsFile} by hand, or delete it`, () => {
      readPresets(paths.presetsFile);
    }),
    check("aliases", aliasesPath(paths.models), `fix or delete ${aliasesPath(paths.models)}`, () => {
      readAliases(paths.models);
    }),
    check("input history", paths.inputHistory, `delete ${paths.inputHistory} (it only holds typed prompts)`, () =>
      inputHistory(paths.inputHistory),
    ),
    check("template memory", paths.templates, `delete ${paths.templates}: parley makes it again`, () =>
      memoryFile(paths.templates, "template memory"),
    ),
    check("binary tests", paths.binaryTests, `delete ${paths.binaryTests}: parley makes it again`, () =>
      memoryFile(paths.binaryTests, "binary test memory"),
    ),
    check(
      "origins",
      join(paths.models, ".origins.json"),
      `delete ${join(paths.models, ".origins.json")}: pulled models then resolve by file name only`,
      () => memoryFile(join(paths.models, ".origins.json"), "the list of where pulled models came from"),
    ),
    ...environmentProblems().map((message) => ({
      name: "environment",
      ok: false,
      message,
      fix: "correct or unset that variable",
    })),
  );
  return checks.filter((c): c is Check => c !== undefined);
}
