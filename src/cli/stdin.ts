/** Reading standard input: bounded in size, decoded as UTF-8 with replacement characters. */
import { UsageError } from "../errors.js";

/** The most bytes parley reads from stdin. */
export const STDIN_LIMIT_BYTES = 16 * 1024 * 1024;

export async function readStdin(
  stream: NodeJS.ReadableStream = process.stdin,
  limit = STDIN_LIMIT_BYTES,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) {
      throw new UsageError(`stdin is larger than the ${Math.round(limit / 1024 / 1024)} MiB limit`);
    }
    chunks.push(buf);
  }
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(Buffer.concat(chunks));
  return text;
}
