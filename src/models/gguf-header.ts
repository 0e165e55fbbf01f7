/**
 * A GGUF header reader for listing many models fast: it reads the key-value metadata and the
 * tensor table and never the weights. (Loading node-llama-cpp alone takes over a second on a small
 * machine, so `models list` reads headers itself; `models info` and downloads use node-llama-cpp.)
 */
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { kindOf } from "../errors.js";

/** A metadata value: scalars as read; arrays only by element type and length. */
export type GgufValue = string | number | bigint | boolean | { arrayOf: number; length: number };

export interface GgufTensor {
  name: string;
  dims: bigint[];
  type: number;
  offset: bigint;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensor[];
  /** Where the tensor data starts (after alignment padding). */
  dataOffset: number;
  /** The file size the tensor table calls for; a smaller file is truncated. */
  expectedSize: number;
  fileSize: number;
}

/** Why a file is not a usable GGUF model, in plain words. */
export class GgufFormatError extends Error {}

const CHUNK = 1 << 16;
/** Arrays up to this length are kept as values (none of the listed keys are arrays). */
const FIXED_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** Block size and bytes per block of each ggml tensor type (ggml's type traits). */
const GGML_TYPES: Record<number, [block: number, bytes: number]> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  9: [32, 36], // Q8_1
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  15: [256, 292], // Q8_K
  16: [256, 66], // IQ2_XXS
  17: [256, 74], // IQ2_XS
  18: [256, 98], // IQ3_XXS
  19: [256, 50], // IQ1_S
  20: [32, 18], // IQ4_NL
  21: [256, 110], // IQ3_S
  22: [256, 82], // IQ2_S
  23: [256, 136], // IQ4_XS
  24: [1, 1], // I8
  25: [1, 2], // I16
  26: [1, 4], // I32
  27: [1, 8], // I64
  28: [1, 8], // F64
  29: [256, 56], // IQ1_M
  30: [1, 2], // BF16
  34: [256, 54], // TQ1_0
  35: [256, 66], // TQ2_0
  39: [32, 17], // MXFP4
};

export const GGML_TYPE_NAMES: Record<number, string> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  6: "Q5_0",
  7: "Q5_1",
  8: "Q8_0",
  9: "Q8_1",
  10: "Q2_K",
  11: "Q3_K",
  12: "Q4_K",
  13: "Q5_K",
  14: "Q6_K",
  15: "Q8_K",
  16: "IQ2_XXS",
  17: "IQ2_XS",
  18: "IQ3_XXS",
  19: "IQ1_S",
  20: "IQ4_NL",
  21: "IQ3_S",
  22: "IQ2_S",
  23: "IQ4_XS",
  24: "I8",
  25: "I16",
  26: "I32",
  27: "I64",
  28: "F64",
  29: "IQ1_M",
  30: "BF16",
  34: "TQ1_0",
  35: "TQ2_0",
  39: "MXFP4",
};

/** The bytes a tensor takes, or undefined for a type this table does not know. */
export function tensorBytes(tensor: GgufTensor): bigint | undefined {
  const traits = GGML_TYPES[tensor.type];
  if (!traits) return undefined;
  const elements = tensor.dims.reduce((a, b) => a * b, 1n);
  return (elements / BigInt(traits[0])) * BigInt(traits[1]);
}

/** Sequential reads over a file handle with a read-ahead buffer. */
class Cursor {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  private async ensure(n: number): Promise<void> {
    const have = this.bufStart + this.buf.length - this.pos;
    if (have >= n) return;
    if (this.pos + n > this.size) throw new GgufFormatError("the file ends inside its header (truncated)");
    const want = Math.max(n, CHUNK);
    const next = Buffer.alloc(Math.min(want, this.size - this.pos));
    const { bytesRead } = await this.fh.read(next, 0, next.length, this.pos);
    if (bytesRead < n) throw new GgufFormatError("the file ends inside its header (truncated)");
    this.buf = next.subarray(0, bytesRead);
    this.bufStart = this.pos;
  }

  private async take(n: number): Promise<Buffer> {
    await this.ensure(n);
    const at = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }

  /** Skips an array of strings, reading only their lengths (a vocabulary can hold 250k of them). */
  async skipStrings(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      let at = this.pos - this.bufStart;
      if (at < 0 || at + 8 > this.buf.length) {
        await this.ensure(8);
        at = this.pos - this.bufStart;
      }
      const n = this.buf.readBigUInt64LE(at);
      if (n > BigInt(this.size)) throw new GgufFormatError("the header has an impossible string length (damaged)");
      this.skip(8 + Number(n));
    }
  }

  skip(n: number): void {
    if (this.pos + n > this.size) throw new GgufFormatError("the file ends inside its header (truncated)");
    this.pos += n;
  }

  async u32(): Promise<number> {
    return (await this.take(4)).readUInt32LE(0);
  }
  async u64(): Promise<bigint> {
    return (await this.take(8)).readBigUInt64LE(0);
  }
  async count(what: string): Promise<number> {
    const n = await this.u64();
    if (n > BigInt(this.size)) throw new GgufFormatError(`the header has an impossible ${what} (damaged)`);
    return Number(n);
  }
  async str(): Promise<string> {
    const n = await this.count("string length");
    return n === 0 ? "" : (await this.take(n)).toString("utf8");
  }

  async scalar(type: number): Promise<GgufValue> {
    const size = FIXED_SIZES[type];
    if (type === 8) return this.str();
    if (size === undefined) throw new GgufFormatError(`the header has an unknown value type ${type} (damaged)`);
    const b = await this.take(size);
    switch (type) {
      case 0:
        return b.readUInt8(0);
      case 1:
        return b.readInt8(0);
      case 2:
        return b.readUInt16LE(0);
      case 3:
        return b.readInt16LE(0);
      case 4:
        return b.readUInt32LE(0);
      case 5:
        return b.readInt32LE(0);
      case 6:
        return b.readFloatLE(0);
      case 7:
        return b.readUInt8(0) !== 0;
      case 10:
        return b.readBigUInt64LE(0);
      case 11:
        return b.readBigInt64LE(0);
      default:
        return b.readDoubleLE(0);
    }
  }

  async value(type: number): Promise<GgufValue> {
    if (type !== 9) return this.scalar(type);
    const of = await this.u32();
    const length = await this.count("array length");
    const size = FIXED_SIZES[of];
    if (size !== undefined) this.skip(size * length);
    else if (of === 8) await this.skipStrings(length);
    else for (let i = 0; i < length; i++) await this.value(of);
    return { arrayOf: of, length };
  }
}

/** Reads a GGUF file's header; throws GgufFormatError when it is not a whole GGUF file. */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  // Opened without waiting: a pipe in place of a model is refused at once, never waited on.
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new GgufFormatError(`it is ${kindOf(st)}, not a file`);
    const { size } = st;
    if (size === 0) throw new GgufFormatError("the file is empty");
    const c = new Cursor(fh, size);
    if (size < 4) throw new GgufFormatError("not a GGUF file");
    const magic = Buffer.alloc(4);
    await fh.read(magic, 0, 4, 0);
    if (magic.toString("latin1") !== "GGUF")
      throw new GgufFormatError('not a GGUF file (it does not start with "GGUF")');
    c.skip(4);
    const version = await c.u32();
    if (version < 2 || version > 3) throw new GgufFormatError(`GGUF version ${version} is not supported`);
    const tensorCount = await c.count("tensor count");
    const kvCount = await c.count("metadata count");
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = await c.str();
      metadata.set(key, await c.value(await c.u32()));
    }
    const tensors: GgufTensor[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = await c.str();
      const nDims = await c.u32();
      if (nDims > 8) throw new GgufFormatError("the tensor table is damaged");
      const dims: bigint[] = [];
      for (let d = 0; d < nDims; d++) dims.push(await c.u64());
      tensors.push({ name, dims, type: await c.u32(), offset: await c.u64() });
    }
    const alignValue = metadata.get("general.alignment");
    const alignment = typeof alignValue === "number" && alignValue > 0 ? alignValue : 32;
    const dataOffset = Math.ceil(c.pos / alignment) * alignment;
    let end = 0n;
    for (const t of tensors) {
      const stop = t.offset + (tensorBytes(t) ?? 1n);
      if (stop > end) end = stop;
    }
    const expectedSize = dataOffset + Number(end);
    if (expectedSize > size) throw new GgufFormatError("the file is shorter than its tensors need (truncated)");
    return { version, metadata, tensors, dataOffset, expectedSize, fileSize: size };
  } finally {
    await fh.close();
  }
}
