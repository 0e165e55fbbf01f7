/** The default command: a prompt in, a reply out. */
import type { Command } from "commander";
import { addModelOptions, addOutputOptions, addSamplingOptions } from "../options.js";
import type { ChatFlags } from "../settings.js";

export function configureChatCommand(cmd: Command): Command {
  addModelOptions(cmd);
  addSamplingOptions(cmd);
  addOutputOptions(cmd);
  return cmd
    .argument("[prompt...]", "the prompt; with piped stdin, an instruction that follows it")
    .action(async (words: string[], flags: ChatFlags) => {
      const { resolveRunSettings } = await import("../settings.js");
      const settings = resolveRunSettings(flags);
      const { runOneShot } = await import("../one-shot.js");
      process.exitCode = await runOneShot(settings, words.length > 0 ? words.join(" ") : undefined);
    });
}
