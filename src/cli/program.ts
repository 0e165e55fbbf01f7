/** The Commander program. Imports only what `--help` and `--version` need. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { configureChatCommand } from "./commands/chat.js";

export function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("parley")
    .description("Chat with local GGUF language models in the terminal, or script them.")
    .version(readVersion(), "-v, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .addHelpText(
      "after",
      `
Prompt sources: an argument, piped stdin, or both (stdin, a blank line, then the argument).
Exit codes: 0 ok, 1 runtime failure, 2 usage or bad input, 3 model cannot be loaded,
            4 context overflow, 130 interrupted.`,
    );
  return configureChatCommand(program);
}
