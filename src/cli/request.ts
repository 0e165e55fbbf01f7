/**
 * The one path from what a person typed to a conversation request, shared by one-shot runs and
 * the chat screen: every input is read (and bad input refused) before any model is loaded.
 */
import { parseMessagesInput, type ParsedRequest } from "../chat/messages.js";
import { checkJsonSchema, parseSchemaArgument } from "../chat/schema.js";
import type { Message, ResponseFormat } from "../chat/types.js";
import type { OpenRequest } from "../core/open.js";
import { UsageError } from "../errors.js";
import { paramValues } from "../settings/resolve.js";
import { stripBom } from "../store/json-input.js";
import { expandHome } from "../store/paths.js";
import { INPUT_LIMITS, readTextFileBounded } from "../store/read-bounded.js";
import type { RunOptions } from "./flags.js";
import { readStdin } from "./stdin.js";

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

/** The conversation request a run's options and inputs describe (one-shot runs add their prompt to it). */
export async function conversationRequest(
  options: RunOptions,
  prepared: PreparedRequest,
  source: OpenRequest["source"],
): Promise<OpenRequest> {
  return {
    flags:
      prepared.systemFromFile !== undefined ? { ...options.flags, system: prepared.systemFromFile } : options.flags,
    body: paramValues(prepared.request.params),
    resume: options.resume,
    history: options.history,
    messages: prepared.messages,
    responseFormat: prepared.responseFormat,
    ...(prepared.request.tools ? { tools: prepared.request.tools } : {}),
    source,
    debug: options.debug,
    models: await modelPrompts(),
  };
}
