/** `parley prompts`: named system prompts (presets), with optional sampling parameters. */
import { Option, type Command } from "commander";
import type * as Actions from "./prompts-actions.js";
import type { PresetFlags } from "./prompts-actions.js";
import { PARAM_SPECS } from "../../chat/params.js";
import { snakeFlag } from "../../chat/setting-names.js";
import { listByDefault } from "../options.js";

async function actions(): Promise<typeof Actions> {
  return import("./prompts-actions.js");
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function addParamOptions(cmd: Command): Command {
  for (const spec of PARAM_SPECS) {
    cmd.addOption(new Option(`--${spec.flag} <n>`, spec.help));
    if (spec.flag.includes("-")) cmd.addOption(new Option(`--${snakeFlag(spec.flag)} <n>`).hideHelp());
  }
  return cmd
    .addOption(new Option("--stop <text>", "stop when this text is generated (repeatable)").argParser(collect))
    .addOption(
      new Option("--tools <names>", "tools the chat screen offers: read_file, shell (comma-separated), or none"),
    );
}

export function addPromptsCommand(program: Command): Command {
  const prompts = program
    .command("prompts")
    .description("named system prompts (presets); use one with -p, --preset <name>; alone: list them")
    .option("--json", "with no command: print the list as JSON");
  listByDefault(prompts, async () => (await actions()).listPresets(prompts.opts<PresetFlags>()));
  prompts
    .command("list")
    .description("list the presets")
    .option("--json", "print JSON")
    .action(async (opts: PresetFlags) => (await actions()).listPresets(opts));
  prompts
    .command("show")
    .description("print a preset's system prompt and parameters")
    .argument("<name>")
    .option("--json", "print JSON")
    .action(async (name: string, opts: PresetFlags) => (await actions()).showPreset(name, opts));
  addParamOptions(
    prompts
      .command("add")
      .description("add a preset; the text comes from the arguments, --file, piped stdin, or else $EDITOR")
      .argument("<name>")
      .argument("[text...]", "the system prompt")
      .option("--file <path>", "read the system prompt from a file")
      .option("--force", "replace a preset of the same name"),
  ).action(async (name: string, words: string[], opts: PresetFlags) =>
    (await actions()).addPresetCommand(name, words, opts),
  );
  addParamOptions(
    prompts
      .command("edit")
      .description("change a preset: with --file or parameter flags, without them in $EDITOR")
      .argument("<name>")
      .option("--file <path>", "read the new system prompt from a file"),
  ).action(async (name: string, opts: PresetFlags) => (await actions()).editPresetCommand(name, opts));
  prompts
    .command("rm")
    .description("remove a preset")
    .argument("<name>")
    .action(async (name: string) => (await actions()).removePresetCommand(name));
  return prompts;
}
