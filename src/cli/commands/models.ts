/** `parley models`: the models folder, downloads, aliases and recommendations. */
import type { Command } from "commander";
import { listByDefault } from "../options.js";
import type * as Actions from "./models-actions.js";
import type * as Change from "./models-change.js";
import type * as Pull from "./models-pull.js";

async function actions(): Promise<typeof Actions> {
  return import("./models-actions.js");
}

async function change(): Promise<typeof Change> {
  return import("./models-change.js");
}

async function pull(): Promise<typeof Pull> {
  return import("./models-pull.js");
}

export function addModelsCommand(program: Command): Command {
  const models = program
    .command("models")
    .description(
      "models in the models folder: list, pull (hf:, https://), info, rm, alias, recommend; alone: list them",
    )
    .option("--json", "with no command: print the list as JSON");
  listByDefault(models, async () => (await actions()).listModels(models.opts<{ json?: boolean }>()));
  models
    .command("list")
    .description("list the models in the models folder (read from their GGUF headers)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => (await actions()).listModels(opts));
  models
    .command("pull")
    .description("download a model into the models folder (resumable; checked before it appears)")
    .argument("<ref>", "hf:<user>/<repo>:<quant>, hf:<user>/<repo>/<file>.gguf or an https:// URL")
    .option("--alias <name>", "also give the model this alias")
    .option("--sha256 <hex>", "refuse the file unless its SHA-256 is this")
    .option("--offline", "never use the network (also PARLEY_OFFLINE=1)")
    .action(async (ref: string, opts: { alias?: string; sha256?: string; offline?: boolean }) =>
      (await pull()).pullCommand(ref, opts),
    );
  models
    .command("info")
    .description("a model's metadata and the memory it needs at a context size")
    .argument("<ref>", "a name, alias, path or pulled reference")
    .option("-c, --context-size <n>", "context size to estimate memory for")
    .option("--json", "print JSON")
    .action(async (ref: string, opts: { contextSize?: string; json?: boolean }) =>
      (await actions()).infoCommand(ref, opts),
    );
  models
    .command("rm")
    .description("delete a model from the models folder, with its aliases")
    .argument("<ref>", "a name, alias or file name in the models folder")
    .action(async (ref: string) => (await change()).removeCommand(ref));
  models
    .command("alias")
    .description("name a model: `alias <name> <ref>`; `alias --rm <name>` removes; no arguments lists")
    .argument("[name]")
    .argument("[ref]")
    .option("--rm", "remove the alias")
    .action(async (name: string | undefined, ref: string | undefined, opts: { rm?: boolean }) =>
      (await change()).aliasCommand(name, ref, opts),
    );
  models
    .command("recommend")
    .description("good small instruct models for this machine's memory, with their hf: references")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => (await actions()).recommendCommand(opts));
  return models;
}
