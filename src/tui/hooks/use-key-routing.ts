/**
 * What each key does, given what is happening: Ctrl+C and Esc stop a reply first, then Ctrl+C
 * clears the input, then asks for a second press to exit. Enter sends or runs a slash command.
 */
import { useRef } from "react";
import type { Conversation, InputHistory } from "../../core/index.js";
import { ParleyError } from "../../errors.js";
import { completeCommand, runCommand } from "../commands/dispatch.js";
import type { CommandContext } from "../commands/types.js";
import { EMPTY_EDITOR, deleteForward, editorWith } from "../editor.js";
import { attachmentRow, completePath, findMentions, withAttachments, type Attachment } from "../input/attachments.js";
import { classifyInput } from "../input/classify.js";
import { findOlder, searchHint, type HistorySearch } from "../input/search.js";
import type { KeyEvent } from "../keys.js";
import { BUSY_HINT, UNQUEUED_HINT, type ScreenAction } from "../screen-state.js";
import type { ChatController, ReplyEnd } from "./use-chat.js";
import type { PromptEditor } from "./use-prompt-editor.js";

export const EXIT_WINDOW_MS = 2000;

/** What the keys can ask of the terminal itself. */
export interface TerminalActions {
  redraw: () => void;
  suspend: () => void;
  /** Opens the text in $VISUAL/$EDITOR and returns the edited text. */
  edit: (text: string) => string;
}

export interface KeyRoutingDeps {
  session: Conversation | undefined;
  chat: ChatController;
  prompt: PromptEditor;
  history: InputHistory | undefined;
  dispatch: (action: ScreenAction) => void;
  commandContext: () => CommandContext | undefined;
  exit: () => void;
  terminal: TerminalActions;
  cwd: string;
  /** Files attached with /file, sent with the next message. */
  attachments: { current: Attachment[] };
}

export interface KeyRouting {
  onKey: (event: KeyEvent) => void;
  /** After each reply: sends the next queued message, or gives the queue back if the reply failed. */
  afterReply: (end: ReplyEnd) => void;
}

/** Text put back into the input box after what is already there. */
function joinInput(current: string, back: string): string {
  return current === "" ? back : `${current}\n${back}`;
}

export function useKeyRouting(deps: KeyRoutingDeps): KeyRouting {
  /** Messages typed while a reply is written: sent one at a time as replies end. */
  const queue = useRef<string[]>([]);
  const armedAt = useRef<number | undefined>(undefined);
  const disarmTimer = useRef<NodeJS.Timeout | undefined>(undefined);
  const search = useRef<HistorySearch | undefined>(undefined);
  const afterCtrlX = useRef(false);

  const disarm = (): void => {
    if (armedAt.current === undefined) return;
    armedAt.current = undefined;
    clearTimeout(disarmTimer.current);
    deps.dispatch({ type: "exit-armed", armed: false });
  };

  const error = (text: string): void => deps.dispatch({ type: "add", item: { kind: "notice", level: "error", text } });

  const submit = (): void => {
    const { prompt, session, dispatch } = deps;
    const typed = prompt.current().text;
    const what = classifyInput(typed);
    if (what.kind === "newline") return prompt.set(editorWith(what.text));
    if (what.kind === "empty") return;
    const ctx = deps.commandContext();
    if (!session || !ctx) {
      dispatch({ type: "hint", text: "the model is still loading" });
      return;
    }
    if (session.generating) {
      if (what.kind === "command") {
        dispatch({ type: "hint", text: BUSY_HINT });
        return;
      }
      // A message typed while a reply is written waits for it, shown as queued.
      prompt.remember(typed);
      deps.history?.add(typed);
      prompt.set(EMPTY_EDITOR);
      queue.current = [...queue.current, what.text];
      dispatch({ type: "queued", texts: queue.current });
      dispatch({ type: "hint", text: undefined });
      return;
    }
    if (what.kind === "command") {
      prompt.remember(typed);
      deps.history?.add(typed);
      prompt.set(EMPTY_EDITOR);
      dispatch({ type: "hint", text: undefined });
      runCommand(what.text, ctx);
      return;
    }
    const attached = attachmentsFor(what.text);
    // The prompt stays in the input, to fix the path.
    if (!attached) return;
    prompt.remember(typed);
    deps.history?.add(typed);
    prompt.set(EMPTY_EDITOR);
    dispatch({ type: "hint", text: undefined });
    sendMessage(what.text, attached);
  };

  /** The files the message takes with it (/file ones and @mentions); undefined after an error row. */
  const attachmentsFor = (text: string): Attachment[] | undefined => {
    try {
      const attached = [...deps.attachments.current, ...findMentions(text, deps.cwd)];
      deps.attachments.current = [];
      return attached;
    } catch (err) {
      error(err instanceof ParleyError ? err.message : String(err));
      return undefined;
    }
  };

  const sendMessage = (text: string, attached: Attachment[]): void => {
    deps.dispatch({ type: "add", item: { kind: "message", role: "user", text } });
    for (const a of attached) deps.dispatch({ type: "add", item: { kind: "attachment", text: attachmentRow(a) } });
    deps.chat.run("send", withAttachments(text, attached));
  };

  /** Takes the queued messages back into the input box; true when there were any. */
  const unqueue = (why: string | undefined): boolean => {
    if (queue.current.length === 0) return false;
    const back = queue.current.join("\n");
    queue.current = [];
    deps.dispatch({ type: "queued", texts: [] });
    deps.prompt.set(editorWith(joinInput(deps.prompt.current().text, back)));
    if (why) deps.dispatch({ type: "add", item: { kind: "notice", level: "info", text: why } });
    else deps.dispatch({ type: "hint", text: UNQUEUED_HINT });
    return true;
  };

  const afterReply = (end: ReplyEnd): void => {
    if (queue.current.length === 0) return;
    if (!end.ok) {
      unqueue("the queued message was not sent (the reply before it failed): it is back in the input box");
      return;
    }
    const [next, ...rest] = queue.current;
    queue.current = rest;
    deps.dispatch({ type: "queued", texts: rest });
    if (next === undefined) return;
    const attached = attachmentsFor(next);
    if (!attached) {
      deps.prompt.set(editorWith(joinInput(deps.prompt.current().text, next)));
      return;
    }
    sendMessage(next, attached);
  };

  /** Esc or Ctrl+C while a reply is written: a queued message is taken back first, then the reply stops. */
  const stopReply = (): void => {
    if (unqueue(undefined)) return;
    deps.chat.abort();
  };

  const complete = (): void => {
    const { text, cursor } = deps.prompt.current();
    const before = text.slice(0, cursor);
    const mention = /(?:^|\s)@(\S*)$/.exec(before) ?? /^\/file\s+(\S*)$/.exec(before);
    if (mention) {
      const partial = mention[1] ?? "";
      const options = completePath(partial, deps.cwd);
      const prefix = options.reduce<string | undefined>((p, o) => {
        if (p === undefined) return o;
        let i = 0;
        while (i < p.length && p[i] === o[i]) i++;
        return p.slice(0, i);
      }, undefined);
      if (prefix !== undefined && prefix.length > partial.length) {
        const done = options.length === 1 && !prefix.endsWith("/") ? " " : "";
        const head = before.slice(0, before.length - partial.length);
        deps.prompt.set({ text: head + prefix + done + text.slice(cursor), cursor: (head + prefix + done).length });
      }
      deps.dispatch({ type: "hint", text: options.length > 1 ? options.slice(0, 20).join("  ") : undefined });
      return;
    }
    const { text: completed, candidates } = completeCommand(text);
    if (completed !== undefined) deps.prompt.set(editorWith(completed));
    deps.dispatch({ type: "hint", text: candidates.length > 1 ? candidates.join("  ") : undefined });
  };

  const interrupt = (): void => {
    const { session, prompt } = deps;
    if (session?.generating) return stopReply();
    if (prompt.current().text !== "") return prompt.set(EMPTY_EDITOR);
    if (armedAt.current !== undefined && Date.now() - armedAt.current <= EXIT_WINDOW_MS) return deps.exit();
    armedAt.current = Date.now();
    deps.dispatch({ type: "exit-armed", armed: true });
    clearTimeout(disarmTimer.current);
    disarmTimer.current = setTimeout(disarm, EXIT_WINDOW_MS);
  };

  const showSearch = (next: HistorySearch): void => {
    search.current = next;
    const list = deps.prompt.earlier();
    deps.prompt.set(next.index === undefined ? next.saved : editorWith(list[next.index] ?? ""));
    deps.dispatch({ type: "hint", text: searchHint(next) });
  };

  const endSearch = (restore: boolean): void => {
    const s = search.current;
    search.current = undefined;
    if (s && restore) deps.prompt.set(s.saved);
    deps.dispatch({ type: "hint", text: undefined });
  };

  /** Keys while Ctrl+R is searching; returns false when the key ends the search and goes on. */
  const searchKey = (event: KeyEvent, s: HistorySearch): boolean => {
    const list = deps.prompt.earlier();
    switch (event.type) {
      case "text": {
        const query = s.query + event.text;
        showSearch({ ...s, query, index: findOlder(list, query, (s.index ?? list.length - 1) + 1) });
        return true;
      }
      case "backspace": {
        const query = s.query.slice(0, -1);
        showSearch({ ...s, query, index: findOlder(list, query, list.length) });
        return true;
      }
      case "search":
        showSearch({ ...s, index: findOlder(list, s.query, s.index ?? list.length) ?? s.index });
        return true;
      case "escape":
      case "cancel":
      case "interrupt":
        endSearch(true);
        return true;
      case "enter":
        endSearch(false);
        return true;
      case "tab":
      case "newline":
      case "move":
      case "delete":
      case "delete-word":
      case "kill-start":
      case "kill-end":
      case "eof":
      case "redraw":
      case "suspend":
      case "prefix-x":
      case "paste-start":
      case "paste-end":
      case "ignored":
        // Any other key takes the prompt found and then does what it does.
        endSearch(false);
        return false;
    }
  };

  const editExternally = (): void => {
    try {
      deps.prompt.set(editorWith(deps.terminal.edit(deps.prompt.current().text)));
    } catch (err) {
      error(err instanceof ParleyError ? err.message : String(err));
    }
    deps.terminal.redraw();
  };

  const onKey = (event: KeyEvent): void => {
    if (event.type !== "interrupt") disarm();
    if (afterCtrlX.current) {
      afterCtrlX.current = false;
      if (event.type === "move" && event.motion === "end") return editExternally();
    }
    const s = search.current;
    if (s && searchKey(event, s)) return;
    switch (event.type) {
      case "interrupt":
        return interrupt();
      case "escape":
        if (deps.session?.generating) stopReply();
        return;
      case "eof": {
        const editor = deps.prompt.current();
        if (editor.text === "") return deps.exit();
        deps.prompt.set(deleteForward(editor));
        return;
      }
      case "enter":
        return submit();
      case "tab":
        return complete();
      case "redraw":
        return deps.terminal.redraw();
      case "suspend":
        return deps.terminal.suspend();
      case "search":
        return showSearch({
          query: "",
          index: undefined,
          saved: deps.prompt.current(),
        });
      case "prefix-x":
        afterCtrlX.current = true;
        return;
      case "text":
      case "newline":
      case "move":
      case "backspace":
      case "delete":
      case "delete-word":
      case "kill-start":
      case "kill-end":
        deps.prompt.edit(event);
        return;
      case "cancel":
      case "paste-start":
      case "paste-end":
      case "ignored":
        return;
    }
  };
  return { onKey, afterReply };
}
