/** The Commander program. Imports only what `--help` and `--version` need. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { configureChatCommand } from "./commands/chat.js";
import { addConfigCommand } from "./commands/config.js";
import { addDoctorCommand } from "./commands/doctor.js";
import { addHelpCommand } from "./commands/help.js";
import { addHistoryCommand } from "./commands/history.js";
import { addModelsCommand } from "./commands/models.js";
import { refuseOtherToolCommand } from "./commands/other-tools.js";
import { addPathsCommand } from "./commands/paths.js";
import { addPromptsCommand } from "./commands/prompts.js";
import { addServeCommand } from "./commands/serve.js";
import { checkEnvironment, checkWorkingFolder } from "./env-check.js";
import { carryGlobalOptions, hideOneShotFlags, refuseOneShotFlags } from "./options.js";

export function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * Checks made before any command runs: environment variables are read like flags, options given
 * in front of a subcommand are handed to it,
 * another tool's command word is not taken for a prompt, and flags a chat screen cannot use are
 * refused rather than ignored.
 */
function beforeAction(program: Command, action: Command): void {
  checkWorkingFolder();
  // doctor reports a bad environment variable as a failing check; help needs none of them.
  if (action.name() !== "doctor" && action.name() !== "help") checkEnvironment();
  if (action === program) {
    refuseOtherToolCommand(program);
    if (program.getOptionValue("interactive") === true) refuseOneShotFlags(program, "the chat screen (-i)");
    return;
  }
  carryGlobalOptions(program, action);
  if (action.name() === "chat" && action.parent === program) refuseOneShotFlags(action, "parley chat");
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
Options go before or after a command: parley -m model.gguf chat, parley chat -m model.gguf.
Prompt sources: an argument, piped stdin, or both (stdin, a blank line, then the argument).
A prompt whose first word is a command of another tool (list, pull, run...) or a mistyped
  command (histroy, confg) is refused: write it after -- to send it anyway
  (parley -- list the planets).
Exit codes: 0 ok, 1 runtime failure, 2 usage or bad input, 3 model cannot be loaded,
            4 context overflow, 5 output cannot be written, 129 hangup, 130 interrupted,
            143 terminated.`,
    );
  configureChatCommand(program);
  addConfigCommand(program);
  addPromptsCommand(program);
  addHistoryCommand(program);
  addPathsCommand(program);
  addModelsCommand(program);
  addDoctorCommand(program);
  addServeCommand(program);
  for (const cmd of program.commands) {
    // Commands built on their own (`new Command`) take the program's error handling and parsing rules.
    cmd.copyInheritedSettings(program);
    if (cmd.name() === "chat") hideOneShotFlags(cmd);
  }
  addHelpCommand(program).copyInheritedSettings(program);
  program.hook("preAction", beforeAction);
  return program;
}
