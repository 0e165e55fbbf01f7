/** The default command (a prompt in, a reply out, or the interactive chat) and `parley chat`. */
import { Command } from "commander";
import { UsageError } from "../../errors.js";
import type { ChatFlags, RunOptions } from "../flags.js";
import {
  addModelOptions,
  addOutputOptions,
  addRemoteOptions,
  addSamplingOptions,
  addToolOptions,
  refuseChatOnlyFlags,
  refuseOneShotFlags,
} from "../options.js";

function addChatOptions(cmd: Command): Command {
  addModelOptions(cmd);
  addRemoteOptions(cmd);
  addSamplingOptions(cmd);
  addOutputOptions(cmd);
  addToolOptions(cmd);
  return cmd;
}

/** The interactive chat runs in a terminal only: a pipe on either side means a script. */
function isTerminal(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

async function runInteractive(options: RunOptions, firstPrompt: string | undefined): Promise<number> {
  if (!isTerminal())
    throw new UsageError("the interactive chat needs a terminal: stdin and stdout must not be redirected");
  if (options.output !== "text")
    throw new UsageError("--json and --jsonl are for one-shot mode, not the interactive chat");
  const { prepareRequest, conversationRequest } = await import("../request.js");
  const prepared = await prepareRequest(options, undefined, false);
  // A conversation given with --messages that ends in a user turn is answered: that turn is the
  // first message the chat sends (as in one-shot mode), not a question left hanging.
  const lastGiven = prepared.messages.at(-1);
  const sendLast = firstPrompt === undefined && lastGiven?.role === "user";
  const opening = sendLast ? lastGiven.content : firstPrompt;
  const { loadSettings, openConversation, resolveModel } = await import("../../core/index.js");
  const request = {
    ...(await conversationRequest(options, prepared, "chat")),
    messages: sendLast ? prepared.messages.slice(0, -1) : prepared.messages,
  };
  // Settings and the model file are resolved before the screen starts: bad values fail here, and a
  // first run can ask to download a model on the plain terminal.
  const loaded = loadSettings(request);
  const settings = loaded.settings;
  const modelPath = await resolveModel(request, loaded);
  // The terminal renderers read colour support when they are first imported.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = "0";
  const { startTui } = await import("../../tui/start.js");
  return startTui({
    open: (onProgress, onNotice, signal) => openConversation({ ...request, onProgress, onNotice, signal }, modelPath),
    firstPrompt: opening,
    showReasoning: options.showReasoning,
    markdown: settings.boolean("markdown") !== false,
    inputHistory: options.history && settings.boolean("history") !== false,
    yes: options.yes,
  });
}

export function configureChatCommand(cmd: Command): Command {
  addChatOptions(cmd);
  cmd.addCommand(interactiveCommand());
  return cmd
    .option("-i, --interactive", "stay in the interactive chat after the prompt's reply")
    .argument("[prompt...]", "the prompt; with piped stdin, an instruction that follows it")
    .action(async (words: string[], flags: ChatFlags, self: Command) => {
      const { readRunOptions } = await import("../flags.js");
      const options = readRunOptions(flags);
      const prompt = words.length > 0 ? words.join(" ") : undefined;
      const interactive =
        flags.interactive === true ||
        (prompt === undefined && options.messagesSource === undefined && options.output === "text" && isTerminal());
      if (interactive) {
        // Flags only a one-shot run can use are refused, not ignored.
        refuseOneShotFlags(self, "the chat screen");
        process.exitCode = await runInteractive(options, prompt);
        return;
      }
      refuseChatOnlyFlags(self);
      const { runOneShot } = await import("../one-shot.js");
      process.exitCode = await runOneShot(options, prompt);
    });
}

/** `parley chat [prompt...]`: always the interactive chat. */
function interactiveCommand(): Command {
  return addChatOptions(new Command("chat"))
    .description("the interactive chat (the default in a terminal when no prompt is given)")
    .argument("[prompt...]", "a first prompt to send")
    .action(async (words: string[], flags: ChatFlags) => {
      const { readRunOptions } = await import("../flags.js");
      process.exitCode = await runInteractive(readRunOptions(flags), words.length > 0 ? words.join(" ") : undefined);
    });
}
