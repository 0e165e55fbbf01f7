/**
 * `POST /v1/chat/completions`: the request body `--messages` reads, answered by a short
 * conversation on a sequence of a loaded model, as one `chat.completion` or as a stream of
 * `chat.completion.chunk` events.
 */
import type { ServerResponse } from "node:http";
import type { Reply } from "../chat/events.js";
import { parseChatRequest } from "../chat/messages.js";
import type { ChatCompletionChunk } from "../chat/types.js";
import { Conversation } from "../core/conversation.js";
import { toChatCompletion } from "../output/json.js";
import { toChunks } from "../output/jsonl.js";
import { paramValues } from "../settings/resolve.js";
import { HttpError, toHttpError } from "./errors.js";
import { EventStream, sendJson } from "./http-io.js";
import { streamOptions, type RouteContext, type RouteResult } from "./route-context.js";

export async function chatCompletions(
  ctx: RouteContext,
  body: Record<string, unknown>,
  res: ServerResponse,
): Promise<RouteResult> {
  const { stream, includeUsage } = streamOptions(body);
  const parsed = parseChatRequest(body);
  const entry = ctx.catalog.find(parsed.model);
  if (!parsed.messages.some((m) => m.role === "user" || m.role === "assistant")) {
    throw new HttpError(
      400,
      `"messages" must hold a user message to answer`,
      "invalid_request_error",
      null,
      "messages",
    );
  }
  const settings = ctx.settingsFor(paramValues(parsed.params));
  const lease = await ctx.pool.acquire(entry.path, parsed.messages, ctx.signal);
  const recording = ctx.record ? await ctx.record(lease.engine, settings, parsed.messages) : undefined;
  const conversation = new Conversation({
    engine: lease.engine,
    settings,
    messages: parsed.messages,
    responseFormat: parsed.responseFormat,
    tools: parsed.tools,
    persistence: recording,
    release: () => Promise.resolve(lease.release()),
  });
  const stopOnClose = (): void => conversation.abort();
  ctx.signal.addEventListener("abort", stopOnClose);
  const events = new EventStream(res);
  let reply: Reply | undefined;
  let head: { id: string; created: number; model: string } | undefined;
  let held: ChatCompletionChunk[] = [];
  const send = (chunks: ChatCompletionChunk[]): void => {
    // The first chunk waits for the first text: an error before it is still a plain status.
    if (!events.started) {
      held.push(...chunks);
      if (chunks.every((c) => c.choices.every((ch) => ch.delta.role !== undefined))) return;
      chunks = held;
      held = [];
    }
    for (const c of chunks) events.send(c);
  };
  try {
    for await (const event of conversation.respond(undefined)) {
      if (event.type === "error") throw event.error;
      if (event.type === "start") head = { id: event.id, created: event.created, model: entry.id };
      if (event.type === "done") reply = event.reply;
      if (!stream || !head) continue;
      let chunks = toChunks(event, head);
      if (event.type === "done" && !includeUsage) chunks = chunks.filter((c) => c.choices.length > 0);
      if (chunks.length > 0) send(chunks);
    }
  } catch (err) {
    if (!stream || !events.started) throw err;
    events.fail(toHttpError(err));
    return { status: 200, usage: reply?.usage, model: entry.id };
  } finally {
    ctx.signal.removeEventListener("abort", stopOnClose);
    await conversation.close();
  }
  if (!reply) throw new HttpError(500, "the reply ended without a result", "server_error");
  if (stream) events.end();
  else sendJson(res, 200, toChatCompletion({ ...reply, model: entry.id }));
  return { status: 200, usage: reply.usage, model: entry.id };
}
