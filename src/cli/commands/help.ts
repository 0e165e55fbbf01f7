/**
 * `parley help [command...]`: the help of any command, however deep (`help models pull`); a
 * word that is not a command is an error with the closest one, never the whole help again.
 */
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { didYouMean } from "../../settings/keys.js";

/** The names a person sees for a group's commands (help itself left out). */
function commandNames(cmd: Command): string[] {
  return cmd.commands.map((c) => c.name()).filter((n) => n !== "help");
}

/** The command that `words` name below `root`, or a usage error naming the first unknown word. */
export function findCommand(root: Command, words: readonly string[]): Command {
  let cmd = root;
  const path: string[] = [];
  for (let c: Command | null = root; c; c = c.parent) path.unshift(c.name());
  for (const word of words) {
    const next = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) {
      const names = commandNames(cmd);
      const where = path.length > 1 ? ` of "${path.join(" ")}"` : "";
      throw new UsageError(
        names.length === 0
          ? `"${path.join(" ")}" has no commands; "${word}" is not one`
          : `unknown command ${JSON.stringify(word)}${where}${didYouMean(word, names)} (commands: ${names.join(", ")})`,
      );
    }
    cmd = next;
    path.push(word);
  }
  return cmd;
}

export function addHelpCommand(program: Command): Command {
  program.helpCommand(false);
  return program
    .command("help")
    .description("show help for parley or for one command (help models pull)")
    .argument("[command...]")
    .action((words: string[]) => {
      findCommand(program, words).outputHelp();
    });
}
