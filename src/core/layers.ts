/**
 * Reading the settings layers that live outside the command line (environment, config file,
 * preset, a resumed conversation's record) and resolving them with the flags, once.
 */
import type { Message } from "../chat/types.js";
import { UsageError } from "../errors.js";
import {
  paramValues,
  readEnvValues,
  resolveSettings,
  type Layer,
  type Settings,
  type Values,
} from "../settings/resolve.js";
import { readConfig } from "../store/config.js";
import { toSessionMessages } from "../store/conversation-export.js";
import {
  latestConversationId,
  readConversation,
  type Conversation as SavedConversation,
} from "../store/conversations.js";
import { getPreset, type Preset } from "../store/presets.js";
import type { ResumedConversation } from "./recorder.js";

/** `-c`: the latest conversation; `--resume <id>`: that one. */
export type ResumeChoice = { latest: true } | { id: string };

export interface SettingsRequest {
  /** Values given on the command line, by config key (parsed by the CLI). */
  flags?: Values;
  /** Values from a Chat Completion request body (`--messages`). */
  body?: Values;
  /** The environment; process.env by default. */
  env?: NodeJS.ProcessEnv;
  resume?: ResumeChoice | undefined;
  /** false: write no conversation file (`--no-history`). */
  history?: boolean;
  /** Other files, for tests. */
  configPath?: string;
  presetsPath?: string;
}

export interface LoadedSettings {
  settings: Settings;
  resumed?: ResumedConversation | undefined;
  /** The model file the resumed conversation last ran with. */
  recordedModel?: string | undefined;
}

/** A preset as a layer: its parameters and system prompt. */
export function presetLayer(preset: Preset, chosen: boolean): Layer {
  const values: Values = { ...preset.params };
  if (preset.system !== "") values.system = preset.system;
  return { source: "preset", values, label: `preset ${preset.name}`, chosen };
}

/** The model and parameters a saved conversation was last run with. */
function conversationLayer(saved: SavedConversation): Layer {
  const last = saved.resumes.at(-1);
  const model = last?.model ?? saved.header?.model;
  const values: Values = paramValues(last?.params ?? saved.header?.params ?? {});
  if (model?.path) values.model = model.path;
  // A remote model given by its server's base URL goes back to that server.
  if (model?.baseUrl !== undefined && model.endpoint === undefined) values["base-url"] = model.baseUrl;
  return { source: "conversation", values, label: `conversation ${saved.id}` };
}

/** A saved conversation (an id or unique prefix) as the messages to go on from. */
export function readSaved(idOrPrefix: string): ResumedConversation & { title: string } {
  const saved = readConversation(idOrPrefix);
  return { id: saved.id, title: saved.title, messages: toSessionMessages(saved) };
}

/** A preset by name, as a layer chosen for this conversation, and its system prompt. */
export function chosenPreset(name: string): { layer: Layer; system: string | undefined } {
  const preset = getPreset(name);
  return { layer: presetLayer(preset, true), system: preset.system === "" ? undefined : preset.system };
}

function findResumed(choice: ResumeChoice): SavedConversation {
  if ("latest" in choice) {
    const id = latestConversationId();
    if (id === undefined) throw new UsageError("no saved conversation to continue");
    return readConversation(id);
  }
  return readConversation(choice.id);
}

/** Resolves every setting of a run from the flags and what is stored; reads a resumed conversation. */
export function loadSettings(request: SettingsRequest): LoadedSettings {
  const flags = request.flags ?? {};
  const layers: Layer[] = [
    { source: "flag", values: flags },
    { source: "env", values: readEnvValues(request.env ?? process.env) },
    { source: "config", values: readConfig(request.configPath) },
  ];
  if (request.body) layers.push({ source: "request body", values: request.body });
  let resumed: ResumedConversation | undefined;
  let recordedModel: string | undefined;
  if (request.resume) {
    const saved = findResumed(request.resume);
    const messages: Message[] = toSessionMessages(saved);
    resumed = { id: saved.id, messages };
    const layer = conversationLayer(saved);
    if (typeof layer.values.model === "string") recordedModel = layer.values.model;
    layers.push(layer);
  }
  // The preset is named by the other layers (a flag, the environment or the config).
  const named = resolveSettings(layers).setting("preset");
  if (typeof named.value === "string") {
    layers.push(presetLayer(getPreset(named.value, request.presetsPath), named.source === "flag"));
  }
  return { settings: resolveSettings(layers), resumed, recordedModel };
}
