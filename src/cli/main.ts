/** The entry point: the ONE place that prints fatal errors and chooses exit codes. */
import { CommanderError } from "commander";
import { ExitCode, InterruptError, ParleyError } from "../errors.js";
import { guardOutput, outputFailure } from "../output/output-guard.js";
import { sanitizeForTerminal } from "../output/sanitize.js";
import { systemErrorText } from "../store/paths.js";
import { buildProgram } from "./program.js";

function fail(message: string, code: number, err?: unknown): void {
  // Names and texts from outside (a rejected key, a file name) are made terminal-safe here, once.
  process.stderr.write(`parley: ${sanitizeForTerminal(message)}\n`);
  if (err instanceof Error && process.argv.includes("--debug") && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exitCode = code;
}

/**
 * An error parley did not expect, still in words: a file system refusal as its reason, and never
 * an exception's class name or an error code.
 */
function unexpectedText(err: unknown): string {
  const system = systemErrorText(err);
  if (system !== undefined) return system;
  const first = ((err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "").trim();
  const plain = first.replace(/^[A-Z][A-Za-z]*(Error|Exception):\s*/, "").replace(/^E[A-Z]{2,}:\s*/, "");
  return `unexpected error: ${plain === "" || /^[A-Z][A-Za-z]*(Error|Exception)$/.test(plain) ? "something failed inside parley (--debug shows where)" : plain}`;
}

export async function main(argv: string[]): Promise<void> {
  // EPIPE on stdout ends parley quietly; any other output failure is one line and exit code 5.
  guardOutput();
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return;
      // A command group run without a subcommand has already printed its help.
      if (err.code === "commander.help") {
        process.exitCode = ExitCode.usage;
        return;
      }
      fail(err.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " "), ExitCode.usage, err);
    } else if (err instanceof InterruptError) {
      // The user stopped parley: not an error, nothing to say.
      process.exitCode = err.exitCode;
    } else if (err instanceof ParleyError) {
      fail(err.message, err.exitCode, err);
    } else {
      fail(unexpectedText(err), ExitCode.failure, err);
    }
  }
  if (outputFailure() !== undefined && (process.exitCode ?? 0) === 0) process.exitCode = ExitCode.output;
}

await main(process.argv);
