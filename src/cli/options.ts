/** Option definitions shared by the commands that run a model. */
import { Option, type Command } from "commander";
import { PARAM_SPECS } from "../chat/params.js";
import { TEMPLATES } from "../chat/templates.js";
import { UsageError } from "../errors.js";
import { didYouMean } from "../settings/keys.js";
import { findCommand } from "./commands/help.js";

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addModelOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "-m, --model <ref>",
        "the model: a .gguf path, a name or alias in the models folder, hf:<user>/<repo>:<quant>, or a URL (env PARLEY_MODEL)",
      ),
    )
    .addOption(new Option("--offline", "never use the network: a model that is not here yet is an error"))
    .addOption(
      new Option("--gpu <backend>", "compute backend (default: auto)").choices([
        "auto",
        "cuda",
        "vulkan",
        "metal",
        "off",
      ]),
    )
    .addOption(new Option("--gpu-layers <n|auto|max>", "layers to offload to the GPU (default: auto)"))
    .addOption(new Option("--context-size <n|auto>", "context window in tokens (default: the model's, at most 8192)"))
    .addOption(new Option("--threads <n>", "CPU threads (default: physical cores - 1, at least 1)"))
    .addOption(
      new Option(
        "--batch-threads <n>",
        "CPU threads while reading a prompt (default: --threads when given, else the free cores)",
      ),
    )
    .addOption(
      new Option(
        "--context-policy <policy>",
        "when the conversation outgrows the context: drop the oldest turns (default) or stop",
      ).choices(["drop", "stop"]),
    )
    .addOption(new Option("--template <name>", `chat template (default: auto): ${Object.keys(TEMPLATES).join(", ")}`))
    .addOption(
      new Option(
        "--draft-model <ref>",
        "speculative decoding: a smaller model with the same vocabulary drafts tokens for the model to check",
      ),
    )
    .addOption(
      new Option("--lookup", "prompt lookup: propose tokens from the message, for replies that repeat much of it"),
    );
}

/** Where a remote model runs (an OpenAI-compatible server), for one run. */
export function addRemoteOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--base-url <url>",
        "use the model -m names on this OpenAI-compatible server, e.g. http://host:8000/v1 (env PARLEY_BASE_URL)",
      ),
    )
    .addOption(
      new Option(
        "--api-key-env <name>",
        "the environment variable holding the server's key (default for api.openai.com: OPENAI_API_KEY)",
      ),
    )
    .addOption(
      new Option(
        "--idle-timeout <seconds>",
        "how long to wait for a remote server's answer or next bytes (default: 60)",
      ),
    );
}

export function addSamplingOptions(cmd: Command): Command {
  for (const spec of PARAM_SPECS) {
    const short = spec.key === "maxTokens" ? "-n, " : "";
    cmd.addOption(new Option(`${short}--${spec.flag} <n>`, spec.help));
  }
  return cmd.addOption(new Option("--stop <text>", "stop when this text is generated (repeatable)").argParser(collect));
}

export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option("-s, --system <text>", "system prompt")
    .option("-p, --preset <name>", "use a named system prompt and its parameters (see `parley prompts`)")
    .addOption(new Option("-c, --continue", "continue the latest saved conversation").conflicts(["resume", "messages"]))
    .addOption(
      new Option("--resume <id>", "continue a saved conversation (an id or unique prefix)").conflicts("messages"),
    )
    .option("--no-history", "do not save this conversation")
    .option("--system-file <path>", "read the system prompt from a file")
    .option("--messages <file|->", "read a Chat Completion messages array or request body (- for stdin)")
    .option("--schema <file|json>", "constrain the reply to JSON matching this JSON schema")
    .addOption(new Option("--json", "print one chat.completion JSON object").conflicts("jsonl"))
    .addOption(new Option("--jsonl", "stream chat.completion.chunk objects, one per line").conflicts("json"))
    .option("--stats", "print token counts and speed to stderr")
    .option("--show-reasoning", "show the model's reasoning (dimmed) before the answer")
    .option("--raw", "write model output as it is, control characters included")
    .option("--debug", "show llama.cpp logs and stack traces");
}

/** The tools the chat screen runs itself, each call after a yes. */
export function addToolOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--tools <names>",
        "tools the chat screen offers the model: read_file, shell (comma-separated), or none (env PARLEY_TOOLS)",
      ),
    )
    .addOption(new Option("-y, --yes", "run read_file calls without asking (shell calls are always asked)"));
}

/** Flags only the chat screen can use: tools run after a yes typed there. */
export const CHAT_ONLY: readonly string[] = ["--tools", "--yes"];

/** Refuses, with a reason, the chat-screen flags in a one-shot run. */
export function refuseChatOnlyFlags(cmd: Command): void {
  const first = cmd.options.find(
    (o) => CHAT_ONLY.includes(optionName(o)) && cmd.getOptionValueSource(o.attributeName()) === "cli",
  );
  if (first) {
    throw new UsageError(
      `${optionName(first)} is for the chat screen, where each tool call waits for a yes (parley chat ${optionName(first)} ...); a one-shot run does not run tools`,
    );
  }
}

/** Flags only a one-shot run can use: the chat screen has no JSON output, statistics line or raw mode. */
export const ONE_SHOT_ONLY: readonly string[] = ["--json", "--jsonl", "--stats", "--raw"];

/** Options that mean the same wherever they are given and never need refusing. */
const ANYWHERE = new Set(["--debug", "--interactive"]);

/** The command's name as typed: `parley history list`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

function optionName(option: Option): string {
  return option.long ?? option.short ?? option.flags;
}

/**
 * Options given in front of a subcommand (`parley -m model.gguf chat`) are parsed by the program;
 * this hands each one to the subcommand that runs, as if it had been written after it. An option
 * the subcommand does not have is refused, naming where it belongs.
 */
export function carryGlobalOptions(program: Command, action: Command): void {
  for (const option of program.options) {
    const key = option.attributeName();
    if (program.getOptionValueSource(key) !== "cli") continue;
    const name = optionName(option);
    if (ANYWHERE.has(name) && !action.options.some((o) => o.attributeName() === key)) continue;
    const own = action.options.find((o) => o.attributeName() === key);
    if (!own) {
      throw new UsageError(
        `${name} does not apply to "${commandPath(action)}"; it is an option for chatting (parley ${name} ... "a prompt", or parley chat ${name} ...)`,
      );
    }
    const value: unknown = program.getOptionValue(key);
    const theirs: unknown = action.getOptionValue(key);
    const source = action.getOptionValueSource(key);
    if (source === "cli" && Array.isArray(theirs) && Array.isArray(value)) {
      action.setOptionValueWithSource(key, [...(value as unknown[]), ...(theirs as unknown[])], "cli");
    } else if (source !== "cli") {
      action.setOptionValueWithSource(key, value, "cli");
    }
  }
  checkConflicts(action);
}

/** Conflicts between options that came from both sides of the subcommand's name. */
function checkConflicts(cmd: Command): void {
  const given = cmd.options.filter((o) => cmd.getOptionValueSource(o.attributeName()) === "cli");
  for (const option of given) {
    // Commander keeps an option's conflicts (`conflictsWith`) but does not declare them in its types.
    for (const other of (option as unknown as { conflictsWith: string[] }).conflictsWith) {
      const clash = given.find((o) => o.attributeName() === other);
      if (clash) throw new UsageError(`option '${option.flags}' cannot be used with option '${clash.flags}'`);
    }
  }
}

/** Refuses, with a reason, the one-shot flags in a run that opens the chat screen. */
export function refuseOneShotFlags(cmd: Command, where: string): void {
  const given = cmd.options.filter(
    (o) => ONE_SHOT_ONLY.includes(optionName(o)) && cmd.getOptionValueSource(o.attributeName()) === "cli",
  );
  const first = given[0];
  if (first) {
    throw new UsageError(
      `${optionName(first)} is for one-shot runs (parley ${optionName(first)} "a prompt"); ${where} does not use it`,
    );
  }
}

/** Hides the one-shot flags from a chat-screen command's help; `refuseOneShotFlags` refuses them. */
export function hideOneShotFlags(cmd: Command): void {
  for (const option of cmd.options) if (ONE_SHOT_ONLY.includes(optionName(option))) option.hideHelp();
}

/**
 * A command group (`config`, `history`, `prompts`, `models`) run alone runs `list`; `help [command]`
 * prints its help or its command's;
 * another word is an unknown command, with the closest one suggested.
 */
export function listByDefault(group: Command, list: () => Promise<void>): Command {
  return group
    .usage("[options] [command]")
    .argument("[command...]")
    .action(async ([sub, ...rest]: string[]) => {
      if (sub === undefined) return list();
      if (sub === "help") {
        // `parley config help set` is the help of `config set`, as `parley help config set` is.
        findCommand(group, rest).outputHelp();
        return;
      }
      const names = group.commands.map((c) => c.name());
      throw new UsageError(
        `unknown command "${group.name()} ${sub}"${didYouMean(sub, names)} (commands: ${names.join(", ")})`,
      );
    });
}
