/** One-shot mode: one reply to a prompt from the argument, stdin or `--messages`, then exit. */
import type { ChatEvent, ChatListener, Reply } from "../chat/events.js";
import { parseMessagesInput, type ParsedRequest } from "../chat/messages.js";
import { checkJsonSchema, parseSchemaArgument } from "../chat/schema.js";
import { ENDING_WORDS, type Message, type ResponseFormat } from "../chat/types.js";
import type { Conversation } from "../core/conversation.js";
import type { OpenRequest } from "../core/open.js";
import type { EngineInfo } from "../engine/engine.js";
import { ExitCode, InterruptError, UsageError } from "../errors.js";
import { jsonWriter } from "../output/json.js";
import { jsonlWriter } from "../output/jsonl.js";
import { sanitizeForTerminal } from "../output/sanitize.js";
import { whenPipeCloses } from "../output/output-guard.js";
import { textWriter } from "../output/text.js";
import { paramValues } from "../settings/resolve.js";
import { stripBom } from "../store/json-input.js";
import { expandHome } from "../store/paths.js";
import { INPUT_LIMITS, readTextFileBounded } from "../store/read-bounded.js";
import type { RunOptions } from "./flags.js";
import { readStdin } from "./stdin.js";

/** One-shot snapshots are saved only above this many context tokens: re-reading fewer is quick anyway. */
export const ONE_SHOT_SNAPSHOT_MIN_TOKENS = 256;

/** A file named on the command line: `~` expanded, its size bounded, special files refused. */
function readTextFile(path: string, what: string, limit: number): string {
  return readTextFileBounded(expandHome(path), what, limit);
}

function readSchema(source: string): ResponseFormat {
  const schema = parseSchemaArgument(source, (path) => readTextFile(path, "schema file", INPUT_LIMITS.schema));
  return { type: "json_schema", schema };
}

/** stdin, a blank line, then the argument; either may be missing. */
export function composePrompt(stdinText: string | undefined, argument: string | undefined): string | undefined {
  const piped = stdinText?.replace(/\s+$/, "");
  const arg = argument?.trim() === "" ? undefined : argument;
  if (piped && arg) return `${piped}\n\n${arg}`;
  return piped || arg || undefined;
}

export interface PreparedRequest {
  /** The conversation given as input (`--messages`), before the prompt. */
  messages: Message[];
  /** The new user message, when one was given as an argument or on stdin. */
  prompt: string | undefined;
  request: ParsedRequest;
  responseFormat: ResponseFormat | undefined;
  /** The system prompt read from `--system-file`. */
  systemFromFile: string | undefined;
}

/**
 * Reads every input, before any model is loaded: bad input fails in milliseconds. The chat
 * screen reads the same inputs but needs no prompt (`requirePrompt` false).
 */
export async function prepareRequest(
  options: RunOptions,
  promptArg: string | undefined,
  requirePrompt = true,
): Promise<PreparedRequest> {
  const fromStdin = options.messagesSource === "-";
  const stdinText = fromStdin || process.stdin.isTTY !== true ? await readStdin() : undefined;
  let request: ParsedRequest = { messages: [], params: {} };
  if (options.messagesSource !== undefined) {
    const text = fromStdin
      ? (stdinText ?? "")
      : readTextFile(options.messagesSource, "messages file", INPUT_LIMITS.messages);
    request = parseMessagesInput(stripBom(text), fromStdin ? "--messages from stdin" : options.messagesSource);
  }
  const systemFromFile =
    options.systemFile !== undefined
      ? readTextFile(options.systemFile, "system prompt file", INPUT_LIMITS.systemFile)
      : undefined;
  const prompt = composePrompt(fromStdin ? undefined : stdinText, promptArg);
  const hasConversation = request.messages.some((m) => m.role !== "system");
  if (requirePrompt && prompt === undefined && !hasConversation) {
    const why = stdinText !== undefined && !fromStdin ? "stdin was empty" : "none was given";
    throw new UsageError(`no prompt: ${why}; pass one as an argument, pipe it on stdin, or use --messages`);
  }
  if (request.responseFormat?.type === "json_schema") checkJsonSchema(request.responseFormat.schema, "response_format");
  const responseFormat = options.schemaSource !== undefined ? readSchema(options.schemaSource) : request.responseFormat;
  return { messages: request.messages, prompt, request, responseFormat, systemFromFile };
}

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
  return `model: ${info.name}, template: ${info.template}, backend: ${info.backend}, context: ${info.contextSize} tokens${threads}\n`;
}

export function formatStats(done: Reply): string {
  const t = done.timings;
  return (
    `prompt: ${done.usage.prompt_tokens} tokens, completion: ${done.usage.completion_tokens} tokens, ` +
    `time to first token: ${t.prompt_ms.toFixed(0)} ms, decode: ${t.predicted_per_second.toFixed(1)} tokens/s` +
    `${done.message.end ? `, ${ENDING_WORDS[done.message.end]}` : ""}\n`
  );
}

const SIGNAL_EXIT = {
  SIGINT: ExitCode.interrupted,
  SIGTERM: ExitCode.terminated,
  SIGHUP: ExitCode.hangup,
} as const satisfies Partial<Record<NodeJS.Signals, number>>;
type StopSignal = keyof typeof SIGNAL_EXIT;

/** What the run does with the conversation: answer a new prompt, or carry on a given one. */
function firstOperation(conversation: Conversation, prompt: string | undefined): AsyncIterable<ChatEvent> {
  if (prompt !== undefined) return conversation.send(prompt);
  const last = conversation.messages.at(-1);
  return last?.role === "assistant" ? conversation.continue() : conversation.retry();
}

/** At a terminal, a first run may ask to download the default model, with a progress bar on stderr. */
export async function modelPrompts(): Promise<OpenRequest["models"]> {
  const { askYesNo } = await import("../models/ask.js");
  const { progressReporter } = await import("../models/progress.js");
  return {
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    ask: askYesNo,
    onProgress: progressReporter(process.stderr),
  };
}

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
      flags:
        prepared.systemFromFile !== undefined ? { ...options.flags, system: prepared.systemFromFile } : options.flags,
      body: paramValues(prepared.request.params),
      resume: options.resume,
      history: options.history,
      messages: sendLast ? given.slice(0, -1) : given,
      responseFormat: prepared.responseFormat,
      source: "one-shot",
      debug: options.debug,
      snapshotMinTokens: options.resume ? 0 : ONE_SHOT_SNAPSHOT_MIN_TOKENS,
      ...(toSend !== undefined ? { prompt: toSend } : {}),
      models: await modelPrompts(),
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
    for await (const event of firstOperation(conversation, toSend)) {
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
