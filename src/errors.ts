/** Exit codes, documented in README.md. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  model: 3,
  contextOverflow: 4,
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode = "usage" | "model" | "context_overflow" | "interrupted" | "runtime";

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
  constructor(message: string, options?: ErrorOptions) {
    super(message, "context_overflow", ExitCode.contextOverflow, options);
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
