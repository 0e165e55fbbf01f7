/** The Commander program. Imports only what `--help` and `--version` need. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { configureChatCommand } from "./commands/chat.js";
import { addConfigCommand } from "./commands/config.js";
import { addDoctorCommand } from "./commands/doctor.js";
import { addHistoryCommand } from "./commands/history.js";
import { addModelsCommand } from "./commands/models.js";
import { addPathsCommand } from "./commands/paths.js";
import { addPromptsCommand } from "./commands/prompts.js";

export function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("parley")
    .description("Chat with local GGUF language models in the terminal, or script them.")
    .version(readVersion(), "-v, --version")
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .addHelpText(
      "after",
      `
Prompt sources: an argument, piped stdin, or both (stdin, a blank line, then the argument).
Exit codes: 0 ok, 1 runtime failure, 2 usage or bad input, 3 model cannot be loaded,
            4 context overflow, 130 interrupted.`,
    );
  configureChatCommand(program);
  addConfigCommand(program);
  addPromptsCommand(program);
  addHistoryCommand(program);
  addPathsCommand(program);
  addModelsCommand(program);
  addDoctorCommand(program);
  return program;
}
