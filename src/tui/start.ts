/**
 * Starts the interactive chat. Imported lazily: Ink and React are loaded only here. This file has
 * no JSX on purpose: JSX would put an import of React's runtime above `./production.js`.
 */
import "./production.js";
import { render } from "ink";
import { createElement } from "react";
import type { SamplingParams } from "../chat/params.js";
import { ChatSession } from "../chat/session.js";
import type { Message, ResponseFormat } from "../chat/types.js";
import type { ChatEngine } from "../engine/engine.js";
import { ExitCode } from "../errors.js";
import { modelIdentity } from "../store/conversation-writer.js";
import { InputHistory } from "../store/input-history.js";
import { ChatConversations, type ConversationSettings } from "./conversations.js";
import { App } from "./App.js";
import type { LoadModel } from "./hooks/use-loader.js";

export interface TuiOptions {
  loadEngine: (onProgress: (progress: number) => void) => Promise<ChatEngine>;
  messages: Message[];
  params: SamplingParams;
  responseFormat?: ResponseFormat | undefined;
  /** Sent as soon as the model is loaded (`-i "prompt"`). */
  firstPrompt?: string | undefined;
  showReasoning: boolean;
  /** Where each sampling parameter comes from (flag, env, preset...), for `/show params`. */
  paramSources?: Record<string, string>;
  /** Render Markdown at start (`/markdown` switches it). */
  markdown?: boolean;
  /** How conversations are saved; the model file identifies them. */
  conversations: Omit<ConversationSettings, "model"> & { modelPath: string };
}

const PASTE_ON = "\u001b[?2004h";
const PASTE_OFF = "\u001b[?2004l";

async function settle(session: ChatSession | undefined): Promise<void> {
  if (!session?.generating) return;
  session.abort();
  for (let waited = 0; session.generating && waited < 3000; waited += 20) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startTui(options: TuiOptions): Promise<number> {
  const history = new InputHistory();
  let engine: ChatEngine | undefined;
  let session: ChatSession | undefined;
  let conversations: ChatConversations | undefined;
  const load: LoadModel = async (onProgress) => {
    engine = await options.loadEngine(onProgress);
    session = new ChatSession(engine, {
      messages: options.messages,
      params: options.params,
      ...(options.responseFormat ? { responseFormat: options.responseFormat } : {}),
    });
    const { modelPath, ...settings } = options.conversations;
    conversations = new ChatConversations(engine, session, { ...settings, model: modelIdentity(modelPath) });
    const notice = await conversations.start();
    return { session, info: engine.info, conversations, notice };
  };
  process.stdout.write(PASTE_ON);
  const instance = render(
    createElement(App, {
      load,
      firstPrompt: options.firstPrompt,
      history,
      initialHistory: history.load(),
      showReasoning: options.showReasoning,
      markdown: options.markdown ?? true,
      paramSources: new Map(Object.entries(options.paramSources ?? {})),
    }),
    { exitOnCtrlC: false, maxFps: 30 },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    process.stdout.write(PASTE_OFF);
    await settle(session);
    // The model state is saved beside the conversation for an instant resume.
    await conversations?.leave();
    await engine?.dispose();
  }
  return ExitCode.ok;
}
