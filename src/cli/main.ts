/** The entry point: the ONE place that prints fatal errors and chooses exit codes. */
import { CommanderError } from "commander";
import { ExitCode, InterruptError, ParleyError } from "../errors.js";
import { guardOutput, outputFailure } from "../output/output-guard.js";
import { sanitizeForTerminal } from "../output/sanitize.js";
import { buildProgram } from "./program.js";

function fail(message: string, code: number, err?: unknown): void {
  process.stderr.write(`parley: ${sanitizeForTerminal(message)}\n`);
  if (err instanceof Error && process.argv.includes("--debug") && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exitCode = code;
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
      fail(`unexpected error: ${(err as Error).message}`, ExitCode.failure, err);
    }
  }
  if (outputFailure() !== undefined && (process.exitCode ?? 0) === 0) process.exitCode = ExitCode.output;
}

await main(process.argv);
