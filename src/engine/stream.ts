/**
 * Turns a generation that reports through callbacks into the stream of parts `generate` returns:
 * the parts are read as they come, the stream ends with the run's `finish`, and a consumer that
 * stops reading (or the caller's signal) aborts the run, which is awaited before the stream ends.
 */
import { Channel } from "../chat/channel.js";
import type { EnginePart, GenerateResult } from "./engine.js";

export type PushPart = (part: Exclude<EnginePart, { type: "finish" }>) => void;

export async function* partStream(
  callerSignal: AbortSignal | undefined,
  run: (push: PushPart, signal: AbortSignal) => Promise<GenerateResult>,
): AsyncGenerator<EnginePart, void, undefined> {
  const controller = new AbortController();
  const forward = (): void => controller.abort();
  if (callerSignal?.aborted) controller.abort();
  else callerSignal?.addEventListener("abort", forward, { once: true });
  const parts = new Channel<EnginePart>();
  let running = true;
  const done = run((part) => parts.push(part), controller.signal).then(
    (result) => {
      running = false;
      parts.push({ type: "finish", result });
      parts.close();
    },
    (err: unknown) => {
      running = false;
      parts.fail(err);
    },
  );
  try {
    yield* parts;
  } finally {
    callerSignal?.removeEventListener("abort", forward);
    if (running) {
      controller.abort();
      await done;
    }
  }
}
