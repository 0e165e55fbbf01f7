/**
 * Reply assembly: reads an engine's stream of parts for one reply and turns it into events and a
 * finished `Reply` (content and reasoning apart, how it ended, usage and timings).
 */
import { randomBytes } from "node:crypto";
import type { ChatEvent, DoneEvent, ErrorEvent, Reply } from "../chat/events.js";
import type { SamplingParams } from "../chat/params.js";
import { ReasoningSplitter } from "../chat/reasoning.js";
import type { FinishReason, Message, ResponseFormat, Timings, ToolCall, ToolSet } from "../chat/types.js";
import type { ChatEngine, EnginePart, GenerateResult } from "../engine/engine.js";
import { ParleyError, RuntimeError } from "../errors.js";

/** Events an operation emits before its end. */
export type ProgressEvent = Exclude<ChatEvent, DoneEvent | ErrorEvent>;
export type Emit = (event: ProgressEvent) => void;

function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** llama-server-style timings. Decode speed counts the tokens after the first one. */
export function computeTimings(result: GenerateResult): Timings {
  const first = result.firstTokenAt ?? result.endedAt;
  const promptMs = first - result.startedAt;
  const predictedMs = result.endedAt - first;
  const n = result.completionTokens;
  const read = result.promptTokens - (result.cachedTokens ?? 0);
  const perSecond = n > 1 && predictedMs > 0 ? ((n - 1) * 1000) / predictedMs : 0;
  return {
    prompt_n: read,
    prompt_ms: round(promptMs),
    prompt_per_token_ms: read > 0 ? round(promptMs / read) : 0,
    prompt_per_second: promptMs > 0 ? round((read * 1000) / promptMs) : 0,
    predicted_n: n,
    predicted_ms: round(predictedMs),
    predicted_per_token_ms: perSecond > 0 ? round(1000 / perSecond) : 0,
    predicted_per_second: round(perSecond),
    ...(result.draft ? { draft_n: result.draft.tokens, draft_n_accepted: result.draft.accepted } : {}),
  };
}

export function newCompletionId(): string {
  return `chatcmpl-${randomBytes(12).toString("hex")}`;
}

/** An id for a tool call the engine gave none. */
export function newToolCallId(): string {
  return `call_${randomBytes(12).toString("hex")}`;
}

export function asParleyError(err: unknown): ParleyError {
  return err instanceof ParleyError ? err : new RuntimeError((err as Error).message, { cause: err });
}

/** A failure of a reply that wrote nothing: the prompt goes back to the person. */
export class Unanswered extends Error {
  constructor(
    readonly error: ParleyError,
    readonly prompt: string | undefined,
  ) {
    super(error.message);
  }
}

/** A failure after part of the reply was written: what was written is in `partial`. */
export class CutShort extends Error {
  constructor(
    readonly error: ParleyError,
    readonly partial: string,
  ) {
    super(error.message);
  }
}

/** How a reply ended, in the Chat Completion's words: calls that were all written end it with "tool_calls". */
function finishReason(stop: GenerateResult["stopReason"], called: boolean): FinishReason {
  if (stop === "length") return "length";
  return called && stop !== "abort" ? "tool_calls" : "stop";
}

export interface ReplyRequest {
  engine: ChatEngine;
  view: readonly Message[];
  params: SamplingParams;
  responseFormat?: ResponseFormat | undefined;
  tools?: ToolSet | undefined;
  signal: AbortSignal;
  emit: Emit;
}

/** The finished reply and the raw result it came from. */
export interface Assembled {
  reply: Reply;
  result: GenerateResult;
}

/**
 * Generates one reply and assembles it. Throws `Unanswered` when it fails before any text was
 * written (the caller gives the prompt back) and `CutShort` when it fails after.
 */
export async function assembleReply(request: ReplyRequest): Promise<Assembled> {
  const { engine, emit } = request;
  const id = newCompletionId();
  const created = Math.floor(Date.now() / 1000);
  const model = engine.info.name;
  const splitter = new ReasoningSplitter();
  let content = "";
  let reasoning = "";
  let wrote = false;
  const calls: ToolCall[] = [];
  const call = (part: Extract<EnginePart, { type: "tool-call" }>): void => {
    let known = calls[part.index];
    if (!known) {
      if (part.index !== calls.length) throw new RuntimeError("the engine gave the tool calls out of order");
      known = { id: part.id ?? newToolCallId(), type: "function", function: { name: part.name ?? "", arguments: "" } };
      calls.push(known);
      wrote = true;
      emit({ type: "tool-call", index: part.index, id: known.id, name: known.function.name, arguments: "" });
    }
    if (part.arguments) {
      known.function.arguments += part.arguments;
      emit({
        type: "tool-call",
        index: part.index,
        id: known.id,
        name: known.function.name,
        arguments: part.arguments,
      });
    }
  };
  const put = (kind: "content" | "reasoning", text: string): void => {
    if (!text) return;
    wrote = true;
    if (kind === "content") {
      content += text;
      emit({ type: "token", text });
    } else {
      reasoning += text;
      emit({ type: "reasoning", text });
    }
  };
  emit({ type: "start", id, created, model });
  let result: GenerateResult | undefined;
  try {
    const parts = engine.generate({
      messages: request.view,
      params: request.params,
      ...(request.responseFormat ? { responseFormat: request.responseFormat } : {}),
      ...(request.tools ? { tools: request.tools } : {}),
      signal: request.signal,
    });
    for await (const part of parts) {
      switch (part.type) {
        case "prompt":
          emit({
            type: "prompt",
            tokens: part.tokens,
            ...(part.cached !== undefined ? { cached: part.cached } : {}),
            contextSize: engine.info.contextSize,
          });
          break;
        case "text":
          for (const piece of splitter.push(part.text)) put(piece.kind, piece.text);
          break;
        case "reasoning":
          put("reasoning", part.text);
          break;
        case "tool-call":
          call(part);
          break;
        case "warning":
          emit({ type: "notice", code: "warning", text: part.text });
          break;
        case "finish":
          result = part.result;
          break;
      }
    }
    if (!result) throw new RuntimeError("the engine ended the reply without saying how");
  } catch (err) {
    const error = asParleyError(err);
    if (wrote) throw new CutShort(error, content);
    throw new Unanswered(error, undefined);
  }
  for (const piece of splitter.flush()) put(piece.kind, piece.text);
  // A local call always parses (a grammar holds it); a remote server's may not: say so.
  for (const c of calls) {
    try {
      JSON.parse(c.function.arguments === "" ? "{}" : c.function.arguments);
    } catch {
      emit({
        type: "notice",
        code: "warning",
        text: `the arguments of the call of ${c.function.name} (${c.id}) are not valid JSON`,
      });
    }
  }
  const message: Message = { role: "assistant", content };
  if (reasoning) message.reasoning = reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  if (result.stopReason !== "stop" && result.stopReason !== "tool_calls")
    message.end = result.stopReason === "abort" ? "interrupted" : result.contextFull ? "context" : "length";
  const reply: Reply = {
    id,
    created,
    model,
    message,
    finishReason: finishReason(result.stopReason, calls.length > 0),
    interrupted: result.stopReason === "abort",
    usage: {
      prompt_tokens: result.promptTokens,
      completion_tokens: result.completionTokens,
      total_tokens: result.promptTokens + result.completionTokens,
      prompt_tokens_details: { cached_tokens: result.cachedTokens ?? 0 },
    },
    ...(result.estimated ? { estimated: true as const } : {}),
    timings: computeTimings(result),
  };
  return { reply, result };
}
