/** `parley config`: read and change the settings file. */
import type { Command } from "commander";
import { CONFIG_KEYS } from "../../settings/keys.js";
import { listByDefault } from "../options.js";
import type * as Actions from "./config-actions.js";

async function actions(): Promise<typeof Actions> {
  return import("./config-actions.js");
}

function keysHelp(): string {
  const width = Math.max(...CONFIG_KEYS.map((s) => s.key.length));
  const rows = CONFIG_KEYS.map((s) => `  ${s.key.padEnd(width)}  ${s.help}; ${s.allowed}`);
  return `
Keys:
${rows.join("\n")}

Keys may also be written top_p or topP.
Precedence, highest first: /set in the chat > flag > environment variable (PARLEY_<KEY>,
  e.g. PARLEY_TOP_P) > --messages request body > a preset chosen with -p or /preset > the
  resumed conversation's own record (-c, --resume) > the config's preset > config file > default.`;
}

export function addConfigCommand(program: Command): Command {
  const config = program
    .command("config")
    .description(
      "show or change settings (keys are named like the flags: temperature, top-p, context-size...); alone: list them",
    )
    .option("--json", "with no command: print the list as JSON")
    .option("--effective", "with no command: list every key with its value and source")
    .addHelpText("after", keysHelp);
  listByDefault(config, async () =>
    (await actions()).listConfig(config.opts<{ json?: boolean; effective?: boolean }>()),
  );
  config
    .command("list")
    .description("print the values set in the config file")
    .option("--json", "print JSON")
    .option("--effective", "print every key with its value and where it comes from (env, config, default)")
    .action(async (opts: { json?: boolean; effective?: boolean }) => (await actions()).listConfig(opts));
  config
    .command("get")
    .description("print one key's value (from the config file, else the built-in default)")
    .argument("<key>")
    .action(async (key: string) => (await actions()).getConfig(key));
  config
    .command("set")
    .description("set one key")
    .argument("<key>")
    .argument("<value>")
    .action(async (key: string, value: string) => (await actions()).setConfig(key, value));
  config
    .command("unset")
    .description("remove one key, so it falls back to its default")
    .argument("<key>")
    .action(async (key: string) => (await actions()).unsetConfig(key));
  config
    .command("path")
    .description("print the config file's path")
    .action(async () => (await actions()).printConfigPath());
  config
    .command("edit")
    .description("open the config file in $EDITOR; an invalid result is not saved")
    .action(async () => (await actions()).editConfig());
  return config;
}
