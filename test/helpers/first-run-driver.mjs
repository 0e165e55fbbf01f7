// Runs the first-run model choice from the built code, as the chat does when no model is named:
// prints the chosen file, or `parley: <reason>` with the error's exit code.
import { askYesNo } from "../../dist/models/ask.js";
import { progressReporter } from "../../dist/models/progress.js";
import { offlineFromEnv, resolveModelRef } from "../../dist/models/resolve.js";

try {
  const path = await resolveModelRef(process.env.PARLEY_MODEL, {
    offline: offlineFromEnv(),
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    ask: askYesNo,
    onProgress: progressReporter(process.stderr),
  });
  process.stdout.write(`model: ${path}\n`);
} catch (err) {
  process.stderr.write(`parley: ${err.message}\n`);
  process.exitCode = err.exitCode ?? 1;
}
