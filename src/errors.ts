import type { Stats } from "node:fs";

/** Exit codes, documented in README.md. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  model: 3,
  contextOverflow: 4,
  /** stdout or stderr could not be written (disk full, I/O error, terminal gone); not EPIPE. */
  output: 5,
  /** A remote server (`--base-url`, an endpoint) could not be reached, refused the request or failed. */
  remote: 6,
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode = "usage" | "model" | "context_overflow" | "interrupted" | "runtime" | "output" | "remote";

/** An error parley expects: it has a stable code and exit code and a message fit for one line. */
export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCodeValue;

  constructor(message: string, code: ErrorCode, exitCode: ExitCodeValue, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad flags, bad values, bad input files or streams. */
export class UsageError extends ParleyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "usage", ExitCode.usage, options);
  }
}

/** The model cannot be found, read or loaded. */
export class ModelError extends ParleyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "model", ExitCode.model, options);
  }
}

/** The prompt does not fit the context window. */
export class ContextOverflowError extends ParleyError {
  /** What a remote server said it counted: the prompt's tokens and its context, when it said. */
  readonly counted: { promptTokens?: number; contextSize?: number } | undefined;

  constructor(message: string, options?: ErrorOptions & { counted?: { promptTokens?: number; contextSize?: number } }) {
    super(message, "context_overflow", ExitCode.contextOverflow, options);
    this.counted = options?.counted;
  }
}

/** The user stopped parley: SIGINT (130), SIGTERM (143) or SIGHUP (129). */
export class InterruptError extends ParleyError {
  constructor(message = "interrupted", exitCode: ExitCodeValue = ExitCode.interrupted) {
    super(message, "interrupted", exitCode);
  }
}

/** Anything else that went wrong at run time. */
export class RuntimeError extends ParleyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "runtime", ExitCode.failure, options);
  }
}

/** Standard output or standard error could not be written. */
export class OutputError extends ParleyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "output", ExitCode.output, options);
  }
}

/** A remote server could not be reached, refused the request, or failed while answering. */
export class RemoteError extends ParleyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "remote", ExitCode.remote, options);
  }
}

/** File system and stream failures in plain words: what the user can act on, never an errno. */
const WORDS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EFBIG: "the file is too large",
  EIO: "an input/output error occurred",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a folder",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "the name is too long",
  EMFILE: "too many files are open",
  ENFILE: "too many files are open",
  EEXIST: "it already exists",
  EBUSY: "it is busy",
  ENXIO: "the device is not available",
  ENODEV: "the device is not available",
  EAGAIN: "it has nothing to read without waiting",
  EPIPE: "the reader went away",
  EBADF: "the stream is closed",
};

/** What a path that is not a regular file is, in words ("a directory", "a pipe", ...). */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a pipe";
  if (st.isSocket()) return "a socket";
  if (st.isBlockDevice()) return "a block device";
  if (st.isCharacterDevice()) return "a device";
  return "not a regular file";
}

/** The plain-words reason for a failed file operation. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && WORDS[code] !== undefined) return WORDS[code];
  return "the operating system refused";
}
