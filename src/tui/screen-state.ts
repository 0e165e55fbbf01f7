/** Screen state as a pure reducer: the frozen transcript, the live reply, the status figures. */
import { ENDING_WORDS, type Ending, type Role } from "../chat/types.js";
import { splitForCommit, type LiveLimit } from "./chunking.js";

export interface HeaderInfo {
  model: string;
  template: string;
  backend: string;
  contextSize: number;
}

export type TranscriptItem =
  | { kind: "header"; id: number; info: HeaderInfo }
  | { kind: "message"; id: number; role: Role; text: string }
  | { kind: "reply"; id: number; text: string; first: boolean; gap: boolean; markdown: boolean }
  | { kind: "reasoning"; id: number; text: string; collapsed: boolean }
  | { kind: "marker"; id: number; text: string }
  /** A file attached to the message above it, as one compact row. */
  | { kind: "attachment"; id: number; text: string }
  | { kind: "notice"; id: number; level: "info" | "error"; text: string }
  /** A tool call the reply asked for: the call in full, as the person is asked about it. */
  | { kind: "tool-call"; id: number; text: string }
  /** What a tool call gave (or that it was declined), as sent back to the model. */
  | { kind: "tool-result"; id: number; name: string; text: string; ok: boolean }
  /** /help: laid out for the terminal's width each time it is drawn. */
  | { kind: "help"; id: number };

/** Any transcript item, without its id: what a caller adds. */
export type NewItem = TranscriptItem extends infer T ? (T extends TranscriptItem ? Omit<T, "id"> : never) : never;

export interface LiveReply {
  content: string;
  reasoning: string;
  /** A part of this reply is already frozen, with the role label. */
  labelShown: boolean;
  /** The live text goes on with the paragraph frozen last, so no gap comes between them. */
  continues: boolean;
}

export type Phase = "loading" | "idle" | "generating";

export interface LastReply {
  completionTokens: number;
  tokensPerSecond: number;
  /** The count is estimated (a remote server that sent no usage). */
  estimated?: boolean;
}

/** Figures of the reply being written, for the status line. */
export interface Streaming {
  /** Tokens of the prompt the engine evaluates, once known. */
  promptTokens: number | undefined;
  /** Tokens written so far. */
  tokens: number;
  tokensPerSecond: number;
}

/** A tool call waiting for the person's yes or no. */
export interface Asking {
  /** The call in full (`shell ls -la`). */
  text: string;
  /** When the question appeared (performance.now()): keys before it and just after do not count. */
  shownAt: number;
}

export interface ScreenState {
  phase: Phase;
  /** A tool call waits for a yes or no. */
  asking: Asking | undefined;
  /** The tool call running now (its name), between the yes and its result. */
  runningTool: string | undefined;
  loadProgress: number;
  /** What the load waits for, when it waits (another parley writing the conversation). */
  loadNotice: string | undefined;
  items: TranscriptItem[];
  /** Bumped by /clear so `<Static>` starts over. */
  epoch: number;
  nextId: number;
  live: LiveReply | undefined;
  markdown: boolean;
  showReasoning: boolean;
  contextUsed: number;
  contextSize: number;
  last: LastReply | undefined;
  streaming: Streaming | undefined;
  /** Messages typed while a reply is written, sent when it ends. */
  queued: readonly string[];
  /** The last reply was cut or interrupted and can be carried on with /continue. */
  continuable: boolean;
  /** A one-line hint under the input (completion candidates, "Press Ctrl+C again to exit"). */
  hint: string | undefined;
  exitArmed: boolean;
}

export type ScreenAction =
  | { type: "progress"; value: number }
  | { type: "load-notice"; text: string }
  | { type: "loaded"; header: HeaderInfo; contextUsed: number }
  | { type: "add"; item: NewItem }
  | { type: "reply-start" }
  | { type: "reply-prompt"; tokens: number; contextSize: number }
  | {
      type: "reply-text";
      content: string;
      reasoning: string;
      limit: LiveLimit;
      /** Tokens written so far and the rate, when known. */
      tokens?: number;
      tokensPerSecond?: number;
    }
  | {
      type: "reply-end";
      outcome: "stop" | Ending | "error";
      last?: LastReply;
      contextUsed: number;
      error?: string;
      /** The prompt was not added to the conversation (it is back in the input box). */
      notSent?: boolean;
      continuable?: boolean;
      /** The reply asked for tool calls: the turn goes on (asking, running, the next reply). */
      toolsFollow?: boolean;
    }
  | { type: "context"; used: number; continuable?: boolean }
  | { type: "queued"; texts: readonly string[] }
  | { type: "markdown"; on: boolean }
  | { type: "reasoning-view"; show: boolean }
  | { type: "clear" }
  /** The terminal was cleared (Ctrl+L, back from the shell or the editor): print it all again. */
  | { type: "redraw" }
  | { type: "hint"; text: string | undefined }
  | { type: "exit-armed"; armed: boolean }
  /** A tool call to ask about, or the question answered (undefined). */
  | { type: "asking"; asking: Asking | undefined }
  /** A tool call runs (its name), or none does. */
  | { type: "tool-running"; name: string | undefined };

export function initialScreen(options: { markdown: boolean; showReasoning: boolean }): ScreenState {
  return {
    phase: "loading",
    asking: undefined,
    runningTool: undefined,
    loadProgress: 0,
    loadNotice: undefined,
    items: [],
    epoch: 0,
    nextId: 1,
    live: undefined,
    markdown: options.markdown,
    showReasoning: options.showReasoning,
    contextUsed: 0,
    contextSize: 0,
    last: undefined,
    streaming: undefined,
    queued: [],
    continuable: false,
    hint: undefined,
    exitArmed: false,
  };
}

function push(state: ScreenState, ...items: NewItem[]): ScreenState {
  let nextId = state.nextId;
  const added: TranscriptItem[] = items.map((item) => ({ ...item, id: nextId++ }));
  return { ...state, items: [...state.items, ...added], nextId };
}

function reasoningItem(state: ScreenState, text: string): NewItem {
  return { kind: "reasoning", text: text.replace(/\s+$/, ""), collapsed: !state.showReasoning };
}

/** Freezes what of the live reply can be frozen; with `all`, everything. */
function commitLive(state: ScreenState, live: LiveReply, limit: LiveLimit, all: boolean): ScreenState {
  const items: NewItem[] = [];
  let { content, reasoning, labelShown, continues } = live;
  if (reasoning.trim() !== "" && (content !== "" || all)) {
    items.push(reasoningItem(state, reasoning));
    reasoning = "";
    labelShown = true;
  }
  const split = all
    ? content.trim() !== ""
      ? { commit: content.replace(/\s+$/, ""), rest: "", joined: false }
      : undefined
    : splitForCommit(content, state.markdown, limit);
  if (split) {
    if (split.commit.trim() !== "" || !labelShown) {
      items.push({
        kind: "reply",
        text: split.commit,
        first: !labelShown,
        gap: labelShown && !continues,
        markdown: state.markdown,
      });
      labelShown = true;
      continues = split.joined;
    } else {
      continues = false;
    }
    content = split.rest;
  }
  const next = items.length > 0 ? push(state, ...items) : state;
  return { ...next, live: all ? undefined : { content, reasoning, labelShown, continues } };
}

/** The hint the screen gives when Enter is pressed on a command while a reply is written. */
export const BUSY_HINT = "a reply is being written: wait, or press Esc to stop it";

/** The hint after Esc took a queued message back while a reply is written. */
export const UNQUEUED_HINT = "the queued message is back in the input box: Esc again stops the reply";

/** The row under a prompt that was refused: it is not in the conversation. */
export const NOT_SENT_MARKER = "[not sent: the text is back in the input box]";

export const OUTCOME_MARKERS = {
  stop: undefined,
  length: `[${ENDING_WORDS.length}]`,
  context: `[${ENDING_WORDS.context}]`,
  interrupted: `[${ENDING_WORDS.interrupted}]`,
  error: undefined,
} as const;

export function screenReducer(state: ScreenState, action: ScreenAction): ScreenState {
  switch (action.type) {
    case "progress":
      return { ...state, loadProgress: action.value };
    case "load-notice":
      return { ...state, loadNotice: action.text };
    case "loaded":
      return push(
        {
          ...state,
          phase: "idle",
          loadNotice: undefined,
          contextSize: action.header.contextSize,
          contextUsed: action.contextUsed,
        },
        { kind: "header", info: action.header },
      );
    case "add":
      return push(state, action.item);
    case "reply-start":
      return {
        ...state,
        phase: "generating",
        live: { content: "", reasoning: "", labelShown: false, continues: false },
        streaming: { promptTokens: undefined, tokens: 0, tokensPerSecond: 0 },
        continuable: false,
        hint: undefined,
      };
    case "reply-prompt":
      return {
        ...state,
        contextSize: action.contextSize || state.contextSize,
        streaming: { tokens: 0, tokensPerSecond: 0, ...state.streaming, promptTokens: action.tokens },
      };
    case "reply-text": {
      if (!state.live) return state;
      const live = {
        ...state.live,
        content: state.live.content + action.content,
        reasoning: state.live.reasoning + action.reasoning,
      };
      const streaming =
        action.tokens !== undefined && state.streaming
          ? { ...state.streaming, tokens: action.tokens, tokensPerSecond: action.tokensPerSecond ?? 0 }
          : state.streaming;
      return commitLive({ ...state, streaming }, live, action.limit, false);
    }
    case "reply-end": {
      let next = state.live ? commitLive(state, state.live, { columns: 80, rows: 0 }, true) : state;
      const marker = OUTCOME_MARKERS[action.outcome];
      if (marker) next = push(next, { kind: "marker", text: marker });
      if (action.notSent) next = push(next, { kind: "marker", text: NOT_SENT_MARKER });
      if (action.error !== undefined) next = push(next, { kind: "notice", level: "error", text: action.error });
      return {
        ...next,
        live: undefined,
        phase: action.toolsFollow ? "generating" : "idle",
        asking: undefined,
        runningTool: undefined,
        contextUsed: action.contextUsed,
        last: action.last ?? state.last,
        streaming: undefined,
        continuable: action.continuable ?? false,
        // A hint about the reply being written ends with it.
        hint: state.hint === BUSY_HINT || state.hint === UNQUEUED_HINT ? undefined : state.hint,
      };
    }
    case "context":
      return { ...state, contextUsed: action.used, continuable: action.continuable ?? state.continuable };
    case "queued":
      return { ...state, queued: action.texts };
    case "markdown":
      return { ...state, markdown: action.on };
    case "reasoning-view": {
      // Reasoning already in the transcript follows too (it shows once the screen is redrawn).
      const items = state.items.map((i) => (i.kind === "reasoning" ? { ...i, collapsed: !action.show } : i));
      return { ...state, showReasoning: action.show, items };
    }
    case "redraw":
      return { ...state, epoch: state.epoch + 1 };
    case "clear": {
      const header = state.items.find((i) => i.kind === "header");
      return {
        ...state,
        items: header ? [header] : [],
        epoch: state.epoch + 1,
        live: undefined,
        hint: undefined,
        continuable: false,
      };
    }
    case "hint":
      return { ...state, hint: action.text };
    case "exit-armed":
      return { ...state, exitArmed: action.armed };
    case "asking":
      return { ...state, asking: action.asking, hint: undefined };
    case "tool-running":
      return { ...state, runningTool: action.name };
  }
}
