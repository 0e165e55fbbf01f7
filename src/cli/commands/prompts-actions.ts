/** What the `parley prompts` subcommands do. */
import { PARAM_SPECS, parseParamValue } from "../../chat/params.js";
import { snakeFlag } from "../../chat/setting-names.js";
import { parseStopFlags } from "../../chat/stop-texts.js";
import { parseToolNames } from "../../chat/tool-names.js";
import { UsageError } from "../../errors.js";
import { oneLine } from "../../store/conversation-records.js";
import {
  addPreset,
  checkPresetName,
  getPreset,
  presetExistsError,
  readPresets,
  removePreset,
  updatePreset,
  type Preset,
  type PresetParams,
} from "../../store/presets.js";
import { expandHome } from "../../store/paths.js";
import { INPUT_LIMITS, readTextFileBounded } from "../../store/read-bounded.js";
import { stringifyJson } from "../../output/json-text.js";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import { readStdin } from "../stdin.js";
import { editSession } from "./editor.js";

/** The flags of the `prompts` subcommands. */
export interface PresetFlags {
  file?: string;
  stop?: string[];
  tools?: string;
  force?: boolean;
  json?: boolean;
  [param: string]: unknown;
}

const tty = process.stdout.isTTY === true;

/** A line to stdout; stored text is made terminal-safe on a terminal. */
function out(text: string): void {
  process.stdout.write(`${tty ? sanitizeForTerminal(text) : text}\n`);
}

function paramsText(preset: Preset): string {
  return Object.entries(preset.params)
    .map(([k, v]) => `${k}=${typeof v === "number" ? v : JSON.stringify(v)}`)
    .join(" ");
}

function paramsFromFlags(flags: PresetFlags): PresetParams {
  const params: PresetParams = {};
  for (const spec of PARAM_SPECS) {
    const snake = snakeFlag(spec.flag);
    const [raw, given] = flags[spec.key] !== undefined ? [flags[spec.key], spec.flag] : [flags[snake], snake];
    if (flags[spec.key] !== undefined && flags[snake] !== undefined && snake !== spec.flag) {
      throw new UsageError(`give --${spec.flag} once (--${snake} is the same option)`);
    }
    if (raw !== undefined) params[spec.flag] = parseParamValue(spec, raw, `--${given}`);
  }
  if (flags.stop !== undefined) params.stop = parseStopFlags(flags.stop, "--stop");
  if (flags.tools !== undefined) params.tools = parseToolNames(flags.tools, "--tools");
  return params;
}

function readPromptFile(path: string): string {
  return readTextFileBounded(expandHome(path), "system prompt file", INPUT_LIMITS.promptFile);
}

function checkText(text: string): string {
  const trimmed = text.replace(/\s+$/, "");
  if (trimmed.trim() === "") throw new UsageError("the system prompt is empty");
  return trimmed;
}

function editText(name: string, text: string): string {
  const session = editSession(text.endsWith("\n") ? text : `${text}\n`, `${name}.txt`);
  try {
    return session.edit();
  } finally {
    session.discard();
  }
}

export function listPresets(opts: PresetFlags): void {
  const presets = [...readPresets().values()];
  if (opts.json) return out(stringifyJson(presets, 2));
  if (presets.length === 0) {
    process.stderr.write('no presets yet; add one with "parley prompts add <name> <text>"\n');
    return;
  }
  const width = Math.max(...presets.map((p) => p.name.length));
  for (const p of presets) {
    const params = paramsText(p);
    out(`${p.name.padEnd(width)}  ${oneLine(p.system, 60)}${params ? `  [${params}]` : ""}`);
  }
}

export function showPreset(name: string, opts: PresetFlags): void {
  const preset = getPreset(name);
  if (opts.json) return out(stringifyJson(preset, 2));
  out(preset.system);
  const params = paramsText(preset);
  if (params) out(`\nparameters: ${params}`);
}

export async function addPresetCommand(name: string, words: string[], opts: PresetFlags): Promise<void> {
  checkPresetName(name);
  if (words.length > 0 && opts.file !== undefined) throw new UsageError("give the text or --file, not both");
  const params = paramsFromFlags(opts);
  if (!opts.force && readPresets().has(name)) throw presetExistsError(name);
  let text: string | undefined;
  if (words.length > 0) text = words.join(" ");
  else if (opts.file !== undefined) text = readPromptFile(opts.file);
  else if (process.stdin.isTTY !== true) text = await readStdin();
  else text = editText(name, "");
  addPreset(name, { system: checkText(text), params }, opts.force === true);
}

export function editPresetCommand(name: string, opts: PresetFlags): void {
  const preset = getPreset(name);
  const params = paramsFromFlags(opts);
  if (opts.file !== undefined) {
    updatePreset(name, { system: checkText(readPromptFile(opts.file)), params });
  } else if (Object.keys(params).length > 0) {
    updatePreset(name, { params });
  } else {
    const text = editText(name, preset.system);
    updatePreset(name, { system: checkText(text) });
  }
}

export function removePresetCommand(name: string): void {
  removePreset(name);
}
