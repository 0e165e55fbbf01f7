/**
 * Opening a conversation on a remote model: the same Conversation as a local one, recording the
 * endpoint and model id, with no model state saved or loaded (a remote server keeps none for us).
 */
import type { Message, ResponseFormat, ToolSet } from "../chat/types.js";
import type { RemoteEngineSpec } from "../engine/spec.js";
import { Conversation, type LoadedModel } from "./conversation.js";
import type { LoadedSettings } from "./layers.js";
import { openModel } from "./models.js";
import { Persistence } from "./persistence.js";
import { remoteIdentity } from "./remote-model.js";

export interface Opened {
  conversation: Conversation;
  notices: string[];
}

export interface RemoteOpen {
  loaded: LoadedSettings;
  spec: RemoteEngineSpec;
  messages: Message[];
  history: boolean;
  source: "one-shot" | "chat";
  responseFormat?: ResponseFormat | undefined;
  tools?: ToolSet | undefined;
  onNotice?: ((text: string) => void) | undefined;
  /** Opens another model for `/model` (remote or local). */
  loadModel: (ref: string) => Promise<LoadedModel>;
}

export async function openRemoteConversation(options: RemoteOpen): Promise<Opened> {
  const { loaded, spec, messages } = options;
  const { settings, resumed } = loaded;
  const notices: string[] = [];
  const engine = await openModel(spec, notices);
  const identity = remoteIdentity(spec, engine.info.name);
  const recorded = resumed ? loaded.recordedModel : undefined;
  if (recorded && recorded !== identity.path) {
    notices.push(`this conversation was started with ${recorded}; continuing with ${identity.path}`);
  }
  const persistence = new Persistence({
    history: options.history && settings.boolean("history") !== false,
    model: identity,
    template: engine.info.template,
    params: settings.params(),
    source: options.source,
    resumed,
    snapshots: { capBytes: 0, minTokens: Number.MAX_SAFE_INTEGER },
  });
  try {
    await persistence.open(messages, options.onNotice);
  } catch (err) {
    await engine.dispose();
    throw err;
  }
  const conversation = new Conversation({
    engine,
    settings,
    messages,
    responseFormat: options.responseFormat,
    tools: options.tools,
    persistence,
    loadModel: options.loadModel,
    release: (used) => used.dispose(),
  });
  return { conversation, notices };
}
