/**
 * Opening a conversation for a front end: reads the stored layers (environment, config file,
 * preset, the resumed conversation's record), resolves every setting once, resolves the model,
 * creates the engine, restores a resumed conversation's model state and starts recording.
 * Front ends hand in what the person typed and get a Conversation back; they never open a log,
 * load a snapshot or merge a setting themselves.
 */
import { basename } from "node:path";
import type { Message, ResponseFormat, ToolSet } from "../chat/types.js";
import type { LlamaEngineSpec } from "../engine/spec.js";
import type { ChatEngine } from "../engine/engine.js";
import type { SamplingParams } from "../chat/params.js";
import { resolveModelRef, type ResolveOptions } from "../models/resolve.js";
import type { Settings, Values } from "../settings/resolve.js";
import { modelIdentity } from "../store/conversation-writer.js";
import { modelSpec, openModel, refuseRemotePredictors, withPredictor } from "./models.js";
import { Conversation, type LoadedModel } from "./conversation.js";
import { loadSettings, type ResumeChoice, type SettingsRequest } from "./layers.js";
import { DEFAULT_SNAPSHOT_CAP_MB, Persistence, type Restored } from "./persistence.js";
import { snapshotAttention, snapshotContextSize } from "./snapshot.js";
import { remoteIdentity, remoteSpec } from "./remote-model.js";
import { openRemoteConversation } from "./open-remote.js";

export interface OpenRequest extends SettingsRequest {
  /** The conversation given as input (`--messages`); a resumed one replaces it. */
  messages?: readonly Message[];
  responseFormat?: ResponseFormat | undefined;
  /** The tools the replies may call. */
  tools?: ToolSet | undefined;
  source: "one-shot" | "chat";
  debug?: boolean;
  /** How the front end takes part in finding the model: a first-run question, download progress. */
  models?: Omit<ResolveOptions, "offline">;
  /** Save a snapshot only above this many context tokens (one-shot runs: only when it can pay off). */
  snapshotMinTokens?: number;
  onProgress?: (progress: number) => void;
  /** Told at once of things worth saying while opening (waiting for another parley, say). */
  onNotice?: (text: string) => void;
  /** Stops waiting for another parley writing the conversation (the front end was left). */
  signal?: AbortSignal;
  /** A one-shot run: the text it will send, so that its context can be sized to the job. */
  prompt?: string;
}

/** One-shot runs' snapshots together stay under this many MB (and under `snapshot-cap-mb`). */
export const ONE_SHOT_SNAPSHOT_CAP_MB = 256;

export interface Opened {
  conversation: Conversation;
  /** Things to tell the person (how a resumed conversation was restored, a capped thread count...). */
  notices: string[];
}

export type { ResumeChoice, SettingsRequest };
export { loadSettings };

/** The system prompt rule: one given by flag, environment or /set replaces the conversation's; a preset's or the config's is used when it has none. */
function withSystem(messages: readonly Message[], settings: Settings): Message[] {
  const out = [...messages];
  const system = settings.setting("system");
  if (typeof system.value !== "string") return out;
  const explicit = system.source === "flag" || system.source === "env" || system.source === "/set";
  if (out[0]?.role === "system") {
    if (explicit) out[0] = { role: "system", content: system.value };
  } else if (system.value !== "") {
    out.unshift({ role: "system", content: system.value });
  }
  return out;
}

/** The model file the settings name (downloading it first when needed, or offering the default on a first run). */
export async function resolveModel(request: OpenRequest, loaded = loadSettings(request)): Promise<string> {
  const setting = loaded.settings.get("model");
  const ref = typeof setting === "string" ? setting : undefined;
  // A remote model is found when it is opened: nothing to look for here.
  if (remoteSpec(loaded.settings, ref, request.env ?? process.env)) return ref ?? "";
  return resolveModelRef(ref, {
    interactive: false,
    ...request.models,
    offline: loaded.settings.boolean("offline") === true,
  });
}

/** Opens another model for `/model`: a remote one, or a local file with the run's engine spec. */
function modelLoader(
  request: OpenRequest,
  settings: Settings,
  localSpec: (path: string) => LlamaEngineSpec,
): (ref: string) => Promise<LoadedModel> {
  return async (ref) => {
    const other = remoteSpec(settings, ref, request.env ?? process.env);
    if (other) {
      refuseRemotePredictors(settings, ref);
      const next = await openModel(other, []);
      return { engine: next, path: ref, identity: remoteIdentity(other, next.info.name) };
    }
    const path = await resolveModelRef(ref, {
      interactive: false,
      ...request.models,
      offline: settings.boolean("offline") === true,
    });
    const next = await openModel(localSpec(path), []);
    return { engine: next, path };
  };
}

/** Opens the conversation; `modelPath` is the model already resolved by `resolveModel`, if it was. */
export async function openConversation(request: OpenRequest, modelPath?: string): Promise<Opened> {
  const loaded = loadSettings(request);
  const { settings, resumed } = loaded;
  const notices: string[] = [];
  const messages = withSystem(resumed?.messages ?? request.messages ?? [], settings);
  const ref = settings.get("model");
  const remote = remoteSpec(settings, typeof ref === "string" ? ref : undefined, request.env ?? process.env);
  if (remote) {
    refuseRemotePredictors(settings, remote.model);
    return openRemoteConversation({
      loaded,
      spec: remote,
      messages,
      history: request.history !== false,
      source: request.source,
      responseFormat: request.responseFormat,
      tools: request.tools,
      onNotice: request.onNotice,
      loadModel: modelLoader(request, settings, (path) => ({
        ...modelSpec(settings, path, request.debug === true, []),
        turns: request.source === "chat",
      })),
    });
  }
  const model = modelPath ?? (await resolveModel(request, loaded));
  // A resumed conversation keeps the attention kernels its saved state was made with, so the state
  // loads whether it was saved by the chat screen or by a one-shot run.
  const attention = resumed ? snapshotAttention(resumed.id) : undefined;
  const spec: LlamaEngineSpec = await withPredictor(
    {
      ...modelSpec(settings, model, request.debug === true, notices),
      turns: request.source === "chat",
      ...(attention ? { attention } : {}),
    },
    settings,
    { interactive: false, ...request.models, offline: settings.boolean("offline") === true },
  );
  // A one-shot run with a token limit needs a context for its text and reply only; a resumed one
  // keeps the size its saved state was made with when that holds them, so that the state loads.
  const maxTokens = settings.params().maxTokens;
  if (request.source === "one-shot" && spec.contextSize === undefined && maxTokens !== undefined) {
    const kept = resumed ? snapshotContextSize(resumed.id) : undefined;
    spec.job = {
      text: [...messages.map((m) => m.content), request.prompt ?? ""].join("\n"),
      maxTokens,
      ...(kept !== undefined ? { orSize: kept } : {}),
    };
  }
  const engine = await openModel(spec, notices, request.onProgress);
  const recorded = resumed ? loaded.recordedModel : undefined;
  if (recorded && recorded !== model) {
    notices.push(
      `this conversation was started with ${basename(recorded)}; continuing with ${basename(model)}, so it is read again`,
    );
  }
  const capMb = settings.number("snapshot-cap-mb") ?? DEFAULT_SNAPSHOT_CAP_MB;
  const persistence = new Persistence({
    history: request.history !== false && settings.boolean("history") !== false,
    model: modelIdentity(model),
    template: engine.info.template,
    params: settings.params(),
    source: request.source,
    resumed,
    snapshots: {
      capBytes: capMb * 1024 * 1024,
      minTokens: request.snapshotMinTokens ?? 0,
      ...(request.source === "one-shot" ? { oneShotCapBytes: ONE_SHOT_SNAPSHOT_CAP_MB * 1024 * 1024 } : {}),
    },
  });
  let restored: Restored | undefined;
  try {
    restored = await persistence.restore(engine, messages);
    if (restored) notices.push(restored.notice);
    await persistence.open(messages, request.onNotice, request.signal);
  } catch (err) {
    await engine.dispose();
    throw err;
  }
  const loadModel = modelLoader(request, settings, (path) => ({ ...spec, model: path }));
  const conversation = new Conversation({
    engine,
    settings,
    messages,
    responseFormat: request.responseFormat,
    tools: request.tools,
    persistence,
    loadModel,
    release: (used) => used.dispose(),
    ...(restored?.keepFrom ? { keepFrom: restored.keepFrom } : {}),
  });
  return { conversation, notices };
}

export type { Values };

/**
 * The conversation file of one server request (`parley serve --record`): written like a chat's,
 * with no model state saved.
 */
export async function openRecording(
  engine: ChatEngine,
  model: string,
  params: SamplingParams,
  messages: readonly Message[],
): Promise<Persistence> {
  const persistence = new Persistence({
    history: true,
    model: modelIdentity(model),
    template: engine.info.template,
    params,
    source: "server",
    snapshots: { capBytes: 0, minTokens: Number.MAX_SAFE_INTEGER },
  });
  await persistence.open(messages);
  return persistence;
}
