/** `parley history`: saved conversations. */
import { Option, type Command } from "commander";
import { listByDefault } from "../options.js";
import type * as Actions from "./history-actions.js";

async function actions(): Promise<typeof Actions> {
  return import("./history-actions.js");
}

export function addHistoryCommand(program: Command): Command {
  const history = program
    .command("history")
    .description("saved conversations; an id may be shortened to any unique prefix; alone: list them")
    .option("--json", "with no command: print the list as JSON")
    .option("-n, --limit <n>", "with no command: show at most this many");
  listByDefault(history, async () => (await actions()).listHistory(history.opts<{ json?: boolean; limit?: string }>()));
  history
    .command("list")
    .description("list conversations, latest first")
    .option("--json", "print JSON")
    .option("-n, --limit <n>", "show at most this many")
    .action(async (opts: { json?: boolean; limit?: string }) => (await actions()).listHistory(opts));
  history
    .command("show")
    .description("print a conversation")
    .argument("<id>")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }) => (await actions()).showHistory(id, opts));
  history
    .command("search")
    .description("find conversations whose title or messages contain a text (case-insensitive)")
    .argument("<text...>")
    .option("--json", "print JSON")
    .action(async (words: string[], opts: { json?: boolean }) =>
      (await actions()).searchHistory(words.join(" "), opts),
    );
  history
    .command("rename")
    .description("give a conversation a title")
    .argument("<id>")
    .argument("<title...>")
    .action(async (id: string, words: string[]) => (await actions()).renameHistory(id, words.join(" ")));
  history
    .command("export")
    .description("print a conversation as a messages array (for --messages) or Markdown")
    .argument("<id>")
    .addOption(new Option("--format <format>", "json or md").choices(["json", "md"]).default("json"))
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option("--force", "replace the -o file if it exists")
    .action(async (id: string, opts: { format: "json" | "md"; output?: string; force?: boolean }) =>
      (await actions()).exportHistory(id, opts),
    );
  history
    .command("rm")
    .description("delete a conversation")
    .argument("<id>")
    .action(async (id: string) => (await actions()).removeHistory(id));
  history
    .command("clear")
    .description("delete every conversation (asks first)")
    .option("-y, --yes", "do not ask")
    .action(async (opts: { yes?: boolean }) => (await actions()).clearHistory(opts));
  return history;
}
