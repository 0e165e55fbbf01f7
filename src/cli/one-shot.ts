/** One-shot mode: one reply to a prompt from the argument, stdin or `--messages`, then exit. */
import { readFileSync } from "node:fs";
import type { ChatListener, DoneEvent } from "../chat/events.js";
import { parseJsonText, parseMessagesInput, type ParsedRequest } from "../chat/messages.js";
import { ChatSession } from "../chat/session.js";
import type { Message, ResponseFormat } from "../chat/types.js";
import type { ModelInfo } from "../engine/engine.js";
import { resolveModelPath } from "../engine/model-ref.js";
import { ExitCode, InterruptError, UsageError } from "../errors.js";
import { jsonWriter } from "../output/json.js";
import { jsonlWriter } from "../output/jsonl.js";
import { textWriter } from "../output/text.js";
import { modelIdentity } from "../store/conversation-writer.js";
import {
  ConversationLog,
  leaveConversation,
  restoreResumed,
  type ResumedConversation,
} from "../chat/conversation-log.js";
import { findResumed } from "./resume.js";
import { effectiveParams, type RunSettings } from "./settings.js";
import { readStdin } from "./stdin.js";

function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (code ?? (err as Error).message);
    throw new UsageError(`cannot read ${what} ${path}: ${reason}`);
  }
}

function readSchema(source: string): ResponseFormat {
  const inline = source.trimStart().startsWith("{");
  const text = inline ? source : readTextFile(source, "schema file");
  const schema = parseJsonText(text, inline ? "--schema" : `schema file ${source}`);
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw new UsageError("--schema must be a JSON schema object");
  }
  return { type: "json_schema", schema: schema as Record<string, unknown> };
}

/** stdin, a blank line, then the argument; either may be missing. */
export function composePrompt(stdinText: string | undefined, argument: string | undefined): string | undefined {
  const piped = stdinText?.replace(/\s+$/, "");
  const arg = argument?.trim() === "" ? undefined : argument;
  if (piped && arg) return `${piped}\n\n${arg}`;
  return piped || arg || undefined;
}

export interface PreparedRequest {
  messages: Message[];
  request: ParsedRequest;
  responseFormat: ResponseFormat | undefined;
  /** The saved conversation this run continues. */
  resumed?: ResumedConversation;
}

/** Reads every input and builds the conversation, before any model is loaded. */
export async function prepareRequest(settings: RunSettings, promptArg: string | undefined): Promise<PreparedRequest> {
  const fromStdin = settings.messagesSource === "-";
  const stdinText = fromStdin || process.stdin.isTTY !== true ? await readStdin() : undefined;
  let request: ParsedRequest = { messages: [], params: {} };
  if (settings.messagesSource !== undefined) {
    const text = fromStdin ? (stdinText ?? "") : readTextFile(settings.messagesSource, "messages file");
    request = parseMessagesInput(text, fromStdin ? "--messages from stdin" : settings.messagesSource);
  }
  const resumed = findResumed(settings);
  const messages = [...(resumed?.messages ?? request.messages)];
  const system =
    settings.systemFile !== undefined ? readTextFile(settings.systemFile, "system prompt file") : settings.system;
  if (system !== undefined) {
    if (messages[0]?.role === "system") messages[0] = { role: "system", content: system };
    else messages.unshift({ role: "system", content: system });
  } else if (settings.fallbackSystem !== undefined && messages[0]?.role !== "system") {
    messages.unshift({ role: "system", content: settings.fallbackSystem });
  }
  const prompt = composePrompt(fromStdin ? undefined : stdinText, promptArg);
  if (prompt !== undefined) messages.push({ role: "user", content: prompt });
  if (!messages.some((m) => m.role !== "system")) {
    const why = stdinText !== undefined && !fromStdin ? "stdin was empty" : "none was given";
    throw new UsageError(`no prompt: ${why}; pass one as an argument, pipe it on stdin, or use --messages`);
  }
  const responseFormat =
    settings.schemaSource !== undefined ? readSchema(settings.schemaSource) : request.responseFormat;
  return { messages, request, responseFormat, ...(resumed ? { resumed } : {}) };
}

function listenerFor(settings: RunSettings, write: (text: string) => void): ChatListener {
  switch (settings.output) {
    case "json":
      return jsonWriter(write);
    case "jsonl":
      return jsonlWriter(write);
    case "text": {
      const tty = process.stdout.isTTY === true;
      const colour = tty && process.env.NO_COLOR === undefined;
      return textWriter({ write, sanitize: tty && !settings.raw, showReasoning: settings.showReasoning, dim: colour });
    }
  }
}

export function formatModelLine(info: ModelInfo): string {
  return `model: ${info.name}, template: ${info.template}, backend: ${info.backend}, context: ${info.contextSize} tokens, threads: ${info.threads}\n`;
}

export function formatStats(done: DoneEvent): string {
  const t = done.timings;
  return (
    `prompt: ${done.usage.prompt_tokens} tokens, completion: ${done.usage.completion_tokens} tokens, ` +
    `time to first token: ${t.prompt_ms.toFixed(0)} ms, decode: ${t.predicted_per_second.toFixed(1)} tokens/s` +
    `${done.finishReason === "length" ? ", stopped at the token limit" : ""}${done.interrupted ? ", interrupted" : ""}\n`
  );
}

export async function runOneShot(settings: RunSettings, promptArg: string | undefined): Promise<number> {
  const { messages, request, responseFormat, resumed } = await prepareRequest(settings, promptArg);
  const params = effectiveParams(settings, request.params);
  const modelPath = resolveModelPath(settings.modelRef);

  let session: ChatSession | undefined;
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted || !session?.generating) process.exit(ExitCode.interrupted);
    interrupted = true;
    session.abort();
  };
  process.on("SIGINT", onSigint);
  const { loadLlamaEngine } = await import("../engine/llama.js");
  const engine = await loadLlamaEngine({ ...settings.engine, modelPath });
  try {
    if (settings.stats) process.stderr.write(formatModelLine(engine.info));
    const model = settings.history || resumed ? modelIdentity(modelPath) : undefined;
    if (resumed && model) {
      const outcome = await restoreResumed(engine, resumed, model, messages);
      if (settings.stats) process.stderr.write(outcome);
    }
    const log =
      settings.history && model
        ? new ConversationLog(messages, {
            model,
            template: engine.info.template,
            params,
            source: "one-shot",
            ...(resumed ? { resumed } : {}),
          })
        : undefined;
    session = new ChatSession(engine, {
      messages,
      params,
      ...(responseFormat ? { responseFormat } : {}),
      ...(log ? { recorder: log } : {}),
    });
    const done = await session.reply(listenerFor(settings, (text) => process.stdout.write(text)));
    log?.close();
    if (log && model) await leaveConversation(engine, log.id, model, settings.snapshotCapMb);
    if (settings.stats) process.stderr.write(formatStats(done));
    if (done.interrupted) throw new InterruptError();
    return ExitCode.ok;
  } finally {
    process.off("SIGINT", onSigint);
    await engine.dispose();
  }
}
