/** Reading standard input: bounded in size, decoded as UTF-8 with replacement characters, BOM dropped. */
import { fsReason, ParleyError, UsageError } from "../errors.js";
import { decodeUtf8, INPUT_LIMITS, sizeWords } from "../store/read-bounded.js";

/** The most bytes parley reads from stdin. */
export const STDIN_LIMIT_BYTES = INPUT_LIMITS.stdin;

export async function readStdin(
  stream: NodeJS.ReadableStream = process.stdin,
  limit = STDIN_LIMIT_BYTES,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > limit) throw new UsageError(`stdin is larger than the ${sizeWords(limit)} limit`);
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof ParleyError) throw err;
    throw new UsageError(`cannot read stdin: ${fsReason(err)}`);
  }
  return decodeUtf8(Buffer.concat(chunks, size));
}
