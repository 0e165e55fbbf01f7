/**
 * Opens the conversation once (loading the model), reporting progress and what it waits for; a
 * failure ends the app with that error. Leaving the screen first aborts the load.
 */
import { useApp } from "ink";
import { useEffect, useRef, useState } from "react";
import type { Conversation } from "../../core/index.js";
import type { ScreenAction } from "../screen-state.js";
import { showMessages, type ShowOptions } from "../show-messages.js";
import { continuable } from "./use-chat.js";

export interface Loaded {
  conversation: Conversation;
  /** Said in the transcript once loaded (how a resumed conversation was restored, say). */
  notices?: readonly string[] | undefined;
}

export type LoadModel = (
  onProgress: (progress: number) => void,
  /** What the load waits for (another parley writing the conversation), said at once. */
  onNotice: (text: string) => void,
  /** Aborted when the screen is left before the load ends. */
  signal: AbortSignal,
) => Promise<Loaded>;

export function useLoader(
  load: LoadModel,
  dispatch: (action: ScreenAction) => void,
  show: ShowOptions = {},
): Loaded | undefined {
  // How the transcript is shown at load time; later changes (/markdown) do not load again.
  const shown = useRef(show);
  const { exit } = useApp();
  const [loaded, setLoaded] = useState<Loaded | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const leaving = new AbortController();
    load(
      (value) => live && dispatch({ type: "progress", value }),
      (text) => live && dispatch({ type: "load-notice", text }),
      leaving.signal,
    ).then(
      (result) => {
        if (!live) return;
        const { conversation } = result;
        const info = conversation.info;
        dispatch({
          type: "loaded",
          header: { model: info.name, template: info.template, backend: info.backend, contextSize: info.contextSize },
          contextUsed: conversation.contextTokens(),
        });
        showMessages(dispatch, conversation.messages, shown.current);
        dispatch({ type: "context", used: conversation.contextTokens(), continuable: continuable(conversation) });
        for (const text of result.notices ?? []) {
          dispatch({ type: "add", item: { kind: "notice", level: "info", text } });
        }
        setLoaded(result);
      },
      (err: unknown) => live && exit(err instanceof Error ? err : new Error(String(err))),
    );
    return () => {
      live = false;
      leaving.abort();
    };
  }, [load, dispatch, exit]);
  return loaded;
}
