/** One-shot mode: one reply to a prompt from the argument, stdin or `--messages`, then exit. */
import { draftSummary } from "../chat/draft-stats.js";
import type { ChatListener, Reply } from "../chat/events.js";
import { ENDING_WORDS } from "../chat/types.js";
import type { Conversation } from "../core/conversation.js";
import type { EngineInfo } from "../engine/engine.js";
import { ExitCode, InterruptError, UsageError } from "../errors.js";
import { jsonWriter } from "../output/json.js";
import { jsonlWriter } from "../output/jsonl.js";
import { sanitizeForTerminal } from "../output/sanitize.js";
import { whenPipeCloses } from "../output/output-guard.js";
import { textWriter } from "../output/text.js";
import type { RunOptions } from "./flags.js";
import { conversationRequest, prepareRequest } from "./request.js";

/** One-shot snapshots are saved only above this many context tokens: re-reading fewer is quick anyway. */
export const ONE_SHOT_SNAPSHOT_MIN_TOKENS = 256;

function listenerFor(options: RunOptions, write: (text: string) => void): ChatListener {
  switch (options.output) {
    case "json":
      return jsonWriter(write);
    case "jsonl":
      return jsonlWriter(write);
    case "text": {
      const tty = process.stdout.isTTY === true;
      const colour = tty && process.env.NO_COLOR === undefined;
      return textWriter({ write, sanitize: tty && !options.raw, showReasoning: options.showReasoning, dim: colour });
    }
  }
}

export function formatModelLine(info: EngineInfo): string {
  const batch =
    info.batchThreads !== undefined && info.batchThreads !== info.threads
      ? ` (${info.batchThreads} for the prompt)`
      : "";
  const threads = info.threads !== undefined ? `, threads: ${info.threads}${batch}` : "";
  const predictor = info.predictor !== undefined ? `, ${info.predictor}` : "";
  return `model: ${info.name}, template: ${info.template}, backend: ${info.backend}, context: ${info.contextSize} tokens${threads}${predictor}\n`;
}

export function formatStats(done: Reply): string {
  const t = done.timings;
  const about = done.estimated ? "about " : "";
  return (
    `prompt: ${about}${done.usage.prompt_tokens} tokens, completion: ${about}${done.usage.completion_tokens} tokens` +
    `${done.estimated ? " (estimated: the server sent no usage)" : ""}, ` +
    `time to first token: ${t.prompt_ms.toFixed(0)} ms, decode: ${t.predicted_per_second.toFixed(1)} tokens/s` +
    (draftSummary(t) !== undefined ? `, ${draftSummary(t)}` : "") +
    `${done.message.end ? `, ${ENDING_WORDS[done.message.end]}` : ""}\n`
  );
}

const SIGNAL_EXIT = {
  SIGINT: ExitCode.interrupted,
  SIGTERM: ExitCode.terminated,
  SIGHUP: ExitCode.hangup,
} as const satisfies Partial<Record<NodeJS.Signals, number>>;
type StopSignal = keyof typeof SIGNAL_EXIT;

export async function runOneShot(options: RunOptions, promptArg: string | undefined): Promise<number> {
  const prepared = await prepareRequest(options, promptArg);
  if (options.resume && prepared.prompt === undefined) {
    throw new UsageError("no prompt to continue the conversation with: pass one as an argument or pipe it on stdin");
  }
  let conversation: Conversation | undefined;
  let stoppedBy: StopSignal | undefined;
  const onSignal = (signal: StopSignal): void => {
    const code = SIGNAL_EXIT[signal];
    if (stoppedBy !== undefined || !conversation?.generating) process.exit(code);
    stoppedBy = signal;
    conversation.abort();
  };
  const signals = Object.keys(SIGNAL_EXIT) as StopSignal[];
  for (const s of signals) process.on(s, onSignal);
  try {
    const { openConversation } = await import("../core/open.js");
    // A conversation given with --messages ends in the message to answer: it is sent, not loaded.
    const given = prepared.messages;
    const lastGiven = given.at(-1);
    const sendLast = prepared.prompt === undefined && lastGiven?.role === "user";
    const toSend = sendLast ? lastGiven?.content : prepared.prompt;
    const opened = await openConversation({
      ...(await conversationRequest(options, prepared, "one-shot")),
      messages: sendLast ? given.slice(0, -1) : given,
      snapshotMinTokens: options.resume ? 0 : ONE_SHOT_SNAPSHOT_MIN_TOKENS,
      ...(toSend !== undefined ? { prompt: toSend } : {}),
      onNotice: (text) => process.stderr.write(`parley: ${sanitizeForTerminal(text)}\n`),
    });
    conversation = opened.conversation;
    if (options.stats) process.stderr.write(formatModelLine(conversation.info));
    for (const notice of opened.notices) {
      if (options.stats || !notice.startsWith("resume:"))
        process.stderr.write(`parley: ${sanitizeForTerminal(notice)}\n`);
    }
    const listener = listenerFor(options, (text) => process.stdout.write(text));
    let pipeClosed = false;
    whenPipeCloses(() => {
      pipeClosed = true;
      conversation?.abort();
    });
    const later: string[] = [];
    let reply: Reply | undefined;
    for await (const event of conversation.respond(toSend)) {
      if (event.type === "notice") {
        // The answer comes first; what could not be saved is said after it.
        if (event.code === "not-saved") later.push(event.text);
        else process.stderr.write(`parley: ${sanitizeForTerminal(event.text)}\n`);
        continue;
      }
      if (event.type === "error") throw event.error;
      listener(event);
      if (event.type === "done") reply = event.reply;
    }
    for (const text of later) process.stderr.write(`parley: ${sanitizeForTerminal(text)}\n`);
    if (options.stats && reply) process.stderr.write(formatStats(reply));
    // A reader that went away (`| head`) ends the run quietly; the partial reply is saved.
    if (pipeClosed) return ExitCode.ok;
    if (reply?.interrupted) throw new InterruptError("interrupted", SIGNAL_EXIT[stoppedBy ?? "SIGINT"]);
    return ExitCode.ok;
  } finally {
    whenPipeCloses(undefined);
    for (const s of signals) process.off(s, onSignal);
    await conversation?.close();
  }
}
