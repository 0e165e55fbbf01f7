/**
 * Failures of stdout and stderr, handled in one place. A reader that went away (EPIPE on stdout)
 * ends parley quietly, as `parley … | head` expects. Any other failure (a full disk, an I/O error,
 * a terminal that is gone) is said once, in one line on stderr when stderr still works; the stream
 * is muted so later writes are dropped instead of failing again, the run goes on (so the
 * conversation is still saved) and parley exits with code 5.
 */
import { ExitCode, fsReason } from "../errors.js";

export type OutputStreamName = "stdout" | "stderr";

export interface OutputFailure {
  stream: OutputStreamName;
  /** Why, in plain words ("the disk is full"). */
  reason: string;
}

let failure: OutputFailure | undefined;
const listeners: ((failure: OutputFailure) => void)[] = [];
const muted = new Set<OutputStreamName>();

/** The first output failure of this run, if any. */
export function outputFailure(): OutputFailure | undefined {
  return failure;
}

/** Calls `listener` once when an output stream first fails (a front end may stop early). */
export function onOutputFailure(listener: (failure: OutputFailure) => void): void {
  listeners.push(listener);
}

/** The one line said about a failure (without the `parley: ` prefix). */
export function outputFailureMessage(f: OutputFailure): string {
  return `cannot write to ${f.stream}: ${f.reason}`;
}

function mute(name: OutputStreamName): void {
  if (muted.has(name)) return;
  muted.add(name);
  const stream = name === "stdout" ? process.stdout : process.stderr;
  stream.write = (...args: unknown[]): boolean => {
    const last = args.at(-1);
    if (typeof last === "function") process.nextTick(last);
    return true;
  };
}

let onPipeClosed: (() => void) | undefined;

/**
 * While a reply is written, a reader that goes away (`| head`) stops the reply instead of the
 * process, so the partial reply is still saved; `handler` does that. Undefined: exit at once.
 */
export function whenPipeCloses(handler: (() => void) | undefined): void {
  onPipeClosed = handler;
}

/** Records a failure of `name` (the first one counts) and says it on stderr when it can. */
export function reportOutputError(name: OutputStreamName, err: unknown): void {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EPIPE" && name === "stdout") {
    const handler = onPipeClosed;
    if (!handler) process.exit(ExitCode.ok);
    onPipeClosed = undefined;
    mute("stdout");
    handler();
    return;
  }
  const first = failure === undefined && code !== "EPIPE";
  mute(name);
  if (!first) return;
  failure = { stream: name, reason: code === "ERR_STREAM_DESTROYED" ? "the stream is closed" : fsReason(err) };
  if (name === "stdout" && !muted.has("stderr")) process.stderr.write(`parley: ${outputFailureMessage(failure)}\n`);
  if ((process.exitCode ?? 0) === 0) process.exitCode = ExitCode.output;
  for (const listener of listeners) listener(failure);
}

/** Installs the handlers on stdout and stderr; call once, first thing. */
export function guardOutput(): void {
  process.stdout.on("error", (err) => reportOutputError("stdout", err));
  process.stderr.on("error", (err) => reportOutputError("stderr", err));
}
