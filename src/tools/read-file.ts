/**
 * `read_file`: a text file under the working folder, bounded. The path the model gives is
 * untrusted: an absolute path, a `..` that climbs out, or a symbolic link that leads out is
 * refused with a one-line reason, as are binary files and anything that is not a regular file.
 */
import { close, constants, fstat, open, read, realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { fsReason, kindOf } from "../errors.js";
import type { BuiltinTool, ToolContext, ToolOutcome } from "./types.js";

/** The most bytes of a file read_file returns. */
export const READ_FILE_LIMIT = 64 * 1024;

const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const readAsync = promisify(read);
const closeAsync = promisify(close);

function refused(path: string, reason: string): ToolOutcome {
  return { ok: false, content: `error: cannot read ${JSON.stringify(path)}: ${reason}` };
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Where a relative path leads under `cwd`, or why it may not be read. */
export function resolveUnder(cwd: string, path: string): { file: string } | { reason: string } {
  if (path === "") return { reason: "the path is empty" };
  if (path.includes("\0")) return { reason: "the path holds a NUL character" };
  if (isAbsolute(path)) return { reason: "absolute paths are refused; give a path relative to the working folder" };
  const root = resolve(cwd);
  const target = resolve(root, path);
  if (!inside(root, target)) return { reason: "the path leads outside the working folder" };
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(target);
  } catch (err) {
    return { reason: fsReason(err) };
  }
  if (!inside(realRoot, real)) return { reason: "a symbolic link leads outside the working folder" };
  return { file: real };
}

/** Cuts a UTF-8 byte run before a character the cut left incomplete. */
function wholeCharacters(bytes: Buffer): Buffer {
  let end = bytes.length;
  // Up to three continuation bytes (10xxxxxx) may trail a lead byte that needs them.
  for (let back = 1; back <= 4 && end - back >= 0; back++) {
    const byte = bytes[end - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    if (needs > back) end -= back;
    break;
  }
  return bytes.subarray(0, end);
}

const strict = new TextDecoder("utf-8", { fatal: true });

export async function readFileTool(path: string, context: ToolContext): Promise<ToolOutcome> {
  const where = resolveUnder(context.cwd, path);
  if ("reason" in where) return refused(path, where.reason);
  let fd: number;
  try {
    fd = await openAsync(where.file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    return refused(path, fsReason(err));
  }
  try {
    const st = await fstatAsync(fd);
    if (!st.isFile()) return refused(path, `it is ${kindOf(st)}, not a file`);
    const buffer = Buffer.alloc(Math.min(READ_FILE_LIMIT, st.size) + 1);
    let got = 0;
    while (got < buffer.length) {
      const { bytesRead } = await readAsync(fd, buffer, got, buffer.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const truncated = got > READ_FILE_LIMIT;
    const bytes = truncated ? wholeCharacters(buffer.subarray(0, READ_FILE_LIMIT)) : buffer.subarray(0, got);
    if (bytes.includes(0)) return refused(path, "it is a binary file");
    let text: string;
    try {
      text = strict.decode(bytes);
    } catch {
      return refused(path, "it is not UTF-8 text (a binary file?)");
    }
    if (!truncated) return { ok: true, content: text };
    const size = Math.max(st.size, got);
    return {
      ok: true,
      content: `${text}\n[truncated: the first ${bytes.length} bytes of ${size} are shown; read_file returns at most ${READ_FILE_LIMIT}]`,
    };
  } catch (err) {
    return refused(path, fsReason(err));
  } finally {
    await closeAsync(fd).catch(() => undefined);
  }
}

export const READ_FILE: BuiltinTool = {
  name: "read_file",
  approval: "ask",
  definition: {
    type: "function",
    function: {
      name: "read_file",
      description: `Read a UTF-8 text file under the working folder (at most ${READ_FILE_LIMIT / 1024} KB).`,
      parameters: {
        type: "object",
        properties: { path: { type: "string", description: "the file's path, relative to the working folder" } },
        required: ["path"],
        additionalProperties: false,
      },
    },
  },
  describe: (args) => `read_file ${typeof args.path === "string" ? args.path : JSON.stringify(args.path)}`,
  run: async (args, context) => {
    if (typeof args.path !== "string") return { ok: false, content: 'error: read_file needs a "path" text' };
    return readFileTool(args.path, context);
  },
};
