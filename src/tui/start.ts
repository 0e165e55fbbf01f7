/**
 * Starts the interactive chat. Imported lazily: Ink and React are loaded only here. This file has
 * no JSX on purpose: JSX would put an import of React's runtime above `./production.js`.
 */
import "./production.js";
import { render } from "ink";
import { createElement } from "react";
import { InputHistory, type Conversation, type Opened } from "../core/index.js";
import { ExitCode, InterruptError } from "../errors.js";
import { App } from "./App.js";
import type { LoadModel } from "./hooks/use-loader.js";

export interface TuiOptions {
  /**
   * Opens the conversation (loads the model); progress from 0 to 1; `onNotice` says what the
   * opening waits for; `signal` aborts when the chat is left before it opened.
   */
  open: (
    onProgress: (progress: number) => void,
    onNotice: (text: string) => void,
    signal: AbortSignal,
  ) => Promise<Opened>;
  /** Sent as soon as the model is loaded (`-i "prompt"`). */
  firstPrompt?: string | undefined;
  showReasoning: boolean;
  /** Render Markdown at start (`/markdown` switches it). */
  markdown: boolean;
  /** Keep the prompts typed in the input history file (off with --no-history). */
  inputHistory: boolean;
  /** --yes: read_file calls run without asking (shell calls are always asked). */
  yes?: boolean;
}

const PASTE_ON = "\u001b[?2004h";
const PASTE_OFF = "\u001b[?2004l";

export async function startTui(options: TuiOptions): Promise<number> {
  const history = options.inputHistory ? new InputHistory() : undefined;
  let conversation: Conversation | undefined;
  const load: LoadModel = async (onProgress, onNotice, signal) => {
    const opened = await options.open(onProgress, onNotice, signal);
    if (signal.aborted) {
      // The chat was left while it opened: the model and the conversation are let go at once.
      await opened.conversation.close();
      throw new InterruptError();
    }
    conversation = opened.conversation;
    return { conversation, notices: opened.notices };
  };
  process.stdout.write(PASTE_ON);
  const instance = render(
    createElement(App, {
      load,
      firstPrompt: options.firstPrompt,
      history,
      initialHistory: history?.load() ?? [],
      showReasoning: options.showReasoning,
      markdown: options.markdown,
      yes: options.yes ?? false,
    }),
    { exitOnCtrlC: false, maxFps: 30 },
  );
  // SIGTERM and SIGHUP (a closed terminal) end the chat like Ctrl+D, keeping a reply being
  // written as an interrupted one.
  let stoppedWith: number | undefined;
  const stop = (code: number) => (): void => {
    stoppedWith ??= code;
    conversation?.abort();
    instance.unmount();
  };
  const onTerm = stop(ExitCode.terminated);
  const onHup = stop(ExitCode.hangup);
  process.on("SIGTERM", onTerm);
  process.on("SIGHUP", onHup);
  try {
    await instance.waitUntilExit();
  } finally {
    process.off("SIGTERM", onTerm);
    process.off("SIGHUP", onHup);
    process.stdout.write(PASTE_OFF);
    // The model state is saved beside the conversation for an instant resume.
    await conversation?.close();
  }
  return stoppedWith ?? ExitCode.ok;
}
