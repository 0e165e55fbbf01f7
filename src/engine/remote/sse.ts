/**
 * A Server-Sent Events reader for a Chat Completion stream: yields the text of each event's
 * `data:` lines, whatever packets they arrive in. Comments (`:`), keep-alive blank lines and
 * fields other than `data` are skipped; an `error:` field is the server's error. Every read has a
 * time limit (the idle timeout) and the whole stream a size limit.
 */
import { RemoteError } from "../../errors.js";
import { plainText } from "./words.js";

export interface SseLimits {
  /** The longest wait for the next bytes, in ms. */
  idleMs: number;
  /** The most bytes the whole stream may have. */
  maxBytes: number;
  /** The most characters one line may have. */
  maxLine: number;
  /** Who is sending, for messages ("the server at http://…"). */
  label: string;
}

/** What one event of the stream carried. */
export type SseEvent = { kind: "data"; data: string } | { kind: "error"; text: string };

/** Reads with a deadline: rejects with a RemoteError when nothing comes for `idleMs`. */
async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limits: SseLimits,
): ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new RemoteError(
          `${limits.label} sent nothing for ${Math.round(limits.idleMs / 1000)} s in the middle of the reply: gave up waiting (idle-timeout)`,
        ),
      );
    }, limits.idleMs);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

export async function* readSse(
  body: ReadableStream<Uint8Array>,
  limits: SseLimits,
): AsyncGenerator<SseEvent, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let total = 0;
  let data: string[] = [];
  let ended = false;
  try {
    while (!ended) {
      const { value, done } = await readWithin(reader, limits);
      if (done) {
        ended = true;
        buffer += decoder.decode();
        // A last line with no newline after it still counts.
        if (buffer !== "") buffer += "\n";
      } else {
        total += value.byteLength;
        if (total > limits.maxBytes) {
          throw new RemoteError(
            `${limits.label} sent more than ${Math.round(limits.maxBytes / 1024 / 1024)} MiB for one reply: stopped reading`,
          );
        }
        buffer += decoder.decode(value, { stream: true });
      }
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        let line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.endsWith("\r")) line = line.slice(0, -1);
        if (line === "") {
          if (data.length > 0) yield { kind: "data", data: data.join("\n") };
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
        else if (field === "error") yield { kind: "error", text: value };
      }
      if (buffer.length > limits.maxLine) {
        throw new RemoteError(
          `${limits.label} sent a line longer than ${Math.round(limits.maxLine / 1024)} KiB: stopped reading`,
        );
      }
    }
    if (data.length > 0) yield { kind: "data", data: data.join("\n") };
  } finally {
    // Stops the body when the reader is left early (an error, an abort, a consumer gone).
    if (!ended) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** A short, terminal-safe quote of what the server sent, for an error line. */
export function quote(text: string): string {
  const clean = plainText(text);
  return JSON.stringify(clean.length > 60 ? `${clean.slice(0, 60)}…` : clean);
}
