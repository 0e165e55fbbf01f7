/**
 * The ChatEngine over any OpenAI-compatible server: each reply is one streamed Chat Completion
 * request. Timings are measured here; usage comes from the server's last chunk when it sends
 * one, else it is estimated and marked so. No token counting and no saved state: the core
 * estimates sizes and writes no snapshot for such an engine.
 */
import { ParleyError, RemoteError } from "../../errors.js";
import type { ChatEngine, EngineInfo, EnginePart, GenerateRequest, GenerateResult } from "../engine.js";
import { partStream, type PushPart } from "../stream.js";
import { estimateTokens, readChunk, requestBody, unsentSettings, type CallPiece, type ChunkParts } from "./body.js";
import { readText, send, statusFault, type RemoteTarget } from "./http.js";
import { quote, readSse } from "./sse.js";
import { errorMessage, networkFault } from "./words.js";

/** The most one reply's stream may carry, and one line of it. */
export const MAX_STREAM_BYTES = 64 * 1024 * 1024;
export const MAX_LINE_CHARS = 1024 * 1024;

interface Tally {
  text: number;
  firstAt: number | undefined;
  finish: string | undefined;
  usage: { prompt: number; completion: number; cached?: number } | undefined;
  done: boolean;
  /** The tool calls seen, by the server's index: their position in the reply. */
  calls: Map<number, number>;
}

export class RemoteEngine implements ChatEngine {
  private warned = false;

  constructor(
    readonly info: EngineInfo,
    private readonly target: RemoteTarget,
    private readonly model: string,
  ) {}

  generate(request: GenerateRequest): AsyncIterable<EnginePart> {
    return partStream(request.signal, (push, signal) => this.run(request, push, signal));
  }

  private async run(request: GenerateRequest, push: PushPart, signal: AbortSignal): Promise<GenerateResult> {
    const { messages, params } = request;
    const startedAt = performance.now();
    const estimate = estimateTokens(messages);
    push({ type: "prompt", tokens: estimate });
    const unsent = unsentSettings(params);
    if (unsent.length > 0 && !this.warned) {
      this.warned = true;
      push({
        type: "warning",
        text: `${unsent.join(", ")} ${unsent.length === 1 ? "is" : "are"} not sent to ${this.target.label}: the Chat Completion API has no such field`,
      });
    }
    const tally: Tally = {
      text: 0,
      firstAt: undefined,
      finish: undefined,
      usage: undefined,
      done: false,
      calls: new Map(),
    };
    const result = (stopReason: GenerateResult["stopReason"]): GenerateResult => ({
      stopReason,
      promptTokens: tally.usage?.prompt ?? estimate,
      ...(tally.usage?.cached !== undefined ? { cachedTokens: tally.usage.cached } : {}),
      completionTokens: tally.usage?.completion ?? tally.text,
      ...(tally.usage ? {} : { estimated: true }),
      startedAt,
      firstTokenAt: tally.firstAt,
      endedAt: performance.now(),
    });
    try {
      const res = await send(this.target, "/chat/completions", {
        method: "POST",
        body: requestBody(this.model, messages, params, request.responseFormat, request.tools),
        signal,
        onWait: (text) => push({ type: "warning", text }),
      });
      if (!res.ok) throw await statusFault(res, this.target, "/chat/completions");
      if (!res.body) throw new RemoteError(`${this.target.label} sent an empty answer`);
      // A server that ignores `stream` answers with one whole completion.
      if (/application\/json/i.test(res.headers.get("content-type") ?? "")) await this.readWhole(res, push, tally);
      else await this.read(res.body, push, tally);
    } catch (err) {
      if (signal.aborted) return result("abort");
      if (err instanceof ParleyError) throw err;
      // A body that stops with a network error: the server or the connection went away.
      const cut = networkFault(err, new URL(this.target.baseUrl), this.target.label);
      throw new RemoteError(`${cut.message}, in the middle of the reply`, { cause: err });
    }
    if (!tally.done && tally.finish === undefined) {
      throw new RemoteError(`${this.target.label} ended the stream in the middle of the reply`);
    }
    if (tally.finish === "length") return result("length");
    return result(tally.calls.size > 0 ? "tool_calls" : "stop");
  }

  private async read(body: ReadableStream<Uint8Array>, push: PushPart, tally: Tally): Promise<void> {
    const label = this.target.label;
    const events = readSse(body, {
      idleMs: this.target.idleMs,
      maxBytes: MAX_STREAM_BYTES,
      maxLine: MAX_LINE_CHARS,
      label,
    });
    for await (const event of events) {
      if (event.kind === "error") {
        throw new RemoteError(`${label} reported an error in the middle of the reply: ${errorMessage(event.text)}`);
      }
      if (event.data.trim() === "[DONE]") {
        tally.done = true;
        break;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        throw new RemoteError(
          `${label} sent a line that is not JSON, ${quote(event.data)}: it does not speak the Chat Completion stream`,
        );
      }
      this.take(readChunk(chunk), push, tally);
    }
  }

  private async readWhole(res: Response, push: PushPart, tally: Tally): Promise<void> {
    const label = this.target.label;
    const text = await readText(res, this.target, MAX_STREAM_BYTES);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new RemoteError(`${label} sent an answer that is not JSON, ${quote(text)}`);
    }
    this.take(readChunk(parsed), push, tally);
    tally.done = true;
  }

  /** One chunk's parts: its text and reasoning pushed, its finish and usage kept. */
  private take(parts: ChunkParts, push: PushPart, tally: Tally): void {
    if (parts.error !== undefined) {
      throw new RemoteError(
        `${this.target.label} reported an error in the middle of the reply: ${errorMessage(parts.error)}`,
      );
    }
    if (parts.reasoning !== undefined || parts.text !== undefined) tally.firstAt ??= performance.now();
    if (parts.reasoning !== undefined) {
      tally.text++;
      push({ type: "reasoning", text: parts.reasoning });
    }
    if (parts.text !== undefined) {
      tally.text++;
      push({ type: "text", text: parts.text });
    }
    for (const piece of parts.calls ?? []) this.takeCall(piece, push, tally);
    if (parts.finish !== undefined) tally.finish = parts.finish;
    if (parts.usage) tally.usage = parts.usage;
  }

  /** A piece of a tool call: a new index starts a call (it must be named), others add arguments. */
  private takeCall(piece: CallPiece, push: PushPart, tally: Tally): void {
    tally.firstAt ??= performance.now();
    tally.text++;
    let index = tally.calls.get(piece.index);
    if (index === undefined) {
      if (piece.name === undefined) {
        throw new RemoteError(`${this.target.label} sent a tool call without a function name`);
      }
      index = tally.calls.size;
      tally.calls.set(piece.index, index);
      push({ type: "tool-call", index, ...(piece.id ? { id: piece.id } : {}), name: piece.name });
    }
    if (piece.arguments) push({ type: "tool-call", index, arguments: piece.arguments });
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
