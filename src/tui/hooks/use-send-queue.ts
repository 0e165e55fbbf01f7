/**
 * Sending messages, and the queue of messages typed while a reply is written: they are shown as
 * queued and sent one at a time as replies end, or given back to the input box.
 */
import { useRef } from "react";
import { ParleyError } from "../../errors.js";
import { editorWith } from "../editor.js";
import { attachmentRow, findMentions, withAttachments, type Attachment } from "../input/attachments.js";
import { UNQUEUED_HINT, type ScreenAction } from "../screen-state.js";
import type { ChatController, ReplyEnd } from "./use-chat.js";
import type { PromptEditor } from "./use-prompt-editor.js";

export interface SendQueueDeps {
  chat: ChatController;
  prompt: PromptEditor;
  dispatch: (action: ScreenAction) => void;
  cwd: string;
  /** Files attached with /file, sent with the next message. */
  attachments: { current: Attachment[] };
}

export interface SendQueue {
  /** Sends a message now: its row, a row per attached file, then the reply. */
  send: (text: string, attached: Attachment[]) => void;
  /** The files the message takes with it (/file ones and @mentions); undefined after an error row. */
  attachmentsFor: (text: string) => Attachment[] | undefined;
  /** Puts a message in the queue, to be sent when the reply ends. */
  add: (text: string) => void;
  /** Takes the queued messages back into the input box; true when there were any. */
  unqueue: (why: string | undefined) => boolean;
  /** After each reply: sends the next queued message, or gives the queue back if the reply failed. */
  afterReply: (end: ReplyEnd) => void;
  /** After a command that ran while messages were typed (/model, /resume): the next one is sent. */
  afterCommand: () => void;
}

/** Text put back into the input box after what is already there. */
export function joinInput(current: string, back: string): string {
  return current === "" ? back : `${current}\n${back}`;
}

export function useSendQueue(deps: SendQueueDeps): SendQueue {
  /** Messages typed while a reply is written: sent one at a time as replies end. */
  const queue = useRef<string[]>([]);
  const { chat, prompt, dispatch } = deps;

  const attachmentsFor = (text: string): Attachment[] | undefined => {
    try {
      const attached = [...deps.attachments.current, ...findMentions(text, deps.cwd)];
      deps.attachments.current = [];
      return attached;
    } catch (err) {
      const message = err instanceof ParleyError ? err.message : String(err);
      dispatch({ type: "add", item: { kind: "notice", level: "error", text: message } });
      return undefined;
    }
  };

  const send = (text: string, attached: Attachment[]): void => {
    dispatch({ type: "add", item: { kind: "message", role: "user", text } });
    for (const a of attached) dispatch({ type: "add", item: { kind: "attachment", text: attachmentRow(a) } });
    chat.run("send", withAttachments(text, attached));
  };

  const add = (text: string): void => {
    queue.current = [...queue.current, text];
    dispatch({ type: "queued", texts: queue.current });
  };

  const unqueue = (why: string | undefined): boolean => {
    if (queue.current.length === 0) return false;
    const back = queue.current.join("\n");
    queue.current = [];
    dispatch({ type: "queued", texts: [] });
    prompt.set(editorWith(joinInput(prompt.current().text, back)));
    if (why) dispatch({ type: "add", item: { kind: "notice", level: "info", text: why } });
    else dispatch({ type: "hint", text: UNQUEUED_HINT });
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
    dispatch({ type: "queued", texts: rest });
    if (next === undefined) return;
    const attached = attachmentsFor(next);
    if (!attached) {
      prompt.set(editorWith(joinInput(prompt.current().text, next)));
      return;
    }
    send(next, attached);
  };

  const afterCommand = (): void => afterReply({ kind: "send", ok: true, notices: [] });

  return { send, attachmentsFor, add, unqueue, afterReply, afterCommand };
}
