/** Loads the model once, reporting progress; a failure ends the app with that error. */
import { useApp } from "ink";
import { useEffect, useState } from "react";
import type { ChatSession } from "../../chat/session.js";
import type { ModelInfo } from "../../engine/engine.js";
import type { ChatConversations } from "../conversations.js";
import type { ScreenAction } from "../screen-state.js";
import { showMessages } from "../show-messages.js";

export interface Loaded {
  session: ChatSession;
  info: ModelInfo;
  conversations?: ChatConversations | undefined;
  /** Said in the transcript once loaded (how a resumed conversation was restored, say). */
  notice?: string | undefined;
}

export type LoadModel = (onProgress: (progress: number) => void) => Promise<Loaded>;

export function useLoader(load: LoadModel, dispatch: (action: ScreenAction) => void): Loaded | undefined {
  const { exit } = useApp();
  const [loaded, setLoaded] = useState<Loaded | undefined>(undefined);
  useEffect(() => {
    let live = true;
    load((value) => live && dispatch({ type: "progress", value })).then(
      (result) => {
        if (!live) return;
        const { info, session } = result;
        dispatch({
          type: "loaded",
          header: { model: info.name, template: info.template, backend: info.backend, contextSize: info.contextSize },
          contextUsed: session.contextTokens(),
        });
        showMessages(dispatch, session.messages);
        if (result.notice) dispatch({ type: "add", item: { kind: "notice", level: "info", text: result.notice } });
        setLoaded(result);
      },
      (err: unknown) => live && exit(err instanceof Error ? err : new Error(String(err))),
    );
    return () => {
      live = false;
    };
  }, [load, dispatch, exit]);
  return loaded;
}
