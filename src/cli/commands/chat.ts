/** The default command (a prompt in, a reply out, or the interactive chat) and `parley chat`. */
import { Command } from "commander";
import { UsageError } from "../../errors.js";
import { addModelOptions, addOutputOptions, addSamplingOptions } from "../options.js";
import type { ChatFlags, RunSettings } from "../settings.js";

function addChatOptions(cmd: Command): Command {
  addModelOptions(cmd);
  addSamplingOptions(cmd);
  addOutputOptions(cmd);
  return cmd;
}

/** The interactive chat runs in a terminal only: a pipe on either side means a script. */
function isTerminal(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/** `prepareRequest` wants a prompt; the interactive chat sends its first one itself, so a stand-in is added then taken back. */
const STAND_IN = "(interactive)";

async function runInteractive(settings: RunSettings, firstPrompt: string | undefined): Promise<number> {
  if (!isTerminal())
    throw new UsageError("the interactive chat needs a terminal: stdin and stdout must not be redirected");
  if (settings.output !== "text")
    throw new UsageError("--json and --jsonl are for one-shot mode, not the interactive chat");
  const { prepareRequest } = await import("../one-shot.js");
  const prepared = await prepareRequest(settings, STAND_IN);
  const messages = prepared.messages.slice(0, -1);
  const { effectiveParams, paramSources } = await import("../settings.js");
  const { resolveModelPath } = await import("../../engine/model-ref.js");
  const modelPath = resolveModelPath(settings.modelRef);
  // The terminal renderers read colour support when they are first imported.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = "0";
  const { startTui } = await import("../../tui/start.js");
  return startTui({
    loadEngine: async (onProgress) => {
      const { loadLlamaEngine } = await import("../../engine/llama.js");
      return loadLlamaEngine({ ...settings.engine, modelPath }, onProgress);
    },
    messages,
    params: effectiveParams(settings, prepared.request.params),
    responseFormat: prepared.responseFormat,
    firstPrompt,
    showReasoning: settings.showReasoning,
    markdown: settings.markdown,
    paramSources: paramSources(settings, prepared.request.params),
    conversations: {
      modelPath,
      history: settings.history,
      snapshotCapMb: settings.snapshotCapMb,
      pinned: { ...settings.params.env, ...settings.params.flags },
      resumed: prepared.resumed,
    },
  });
}

export function configureChatCommand(cmd: Command): Command {
  addChatOptions(cmd);
  cmd.addCommand(interactiveCommand());
  return cmd
    .option("-i, --interactive", "stay in the interactive chat after the prompt's reply")
    .argument("[prompt...]", "the prompt; with piped stdin, an instruction that follows it")
    .action(async (words: string[], flags: ChatFlags) => {
      const { resolveRunSettings } = await import("../settings.js");
      const settings = resolveRunSettings(flags);
      const prompt = words.length > 0 ? words.join(" ") : undefined;
      const interactive =
        flags.interactive === true ||
        (prompt === undefined && settings.messagesSource === undefined && settings.output === "text" && isTerminal());
      if (interactive) {
        process.exitCode = await runInteractive(settings, prompt);
        return;
      }
      const { runOneShot } = await import("../one-shot.js");
      process.exitCode = await runOneShot(settings, prompt);
    });
}

/** `parley chat [prompt...]`: always the interactive chat. */
function interactiveCommand(): Command {
  return addChatOptions(new Command("chat"))
    .description("the interactive chat (the default in a terminal when no prompt is given)")
    .argument("[prompt...]", "a first prompt to send")
    .action(async (words: string[], flags: ChatFlags) => {
      const { resolveRunSettings } = await import("../settings.js");
      process.exitCode = await runInteractive(
        resolveRunSettings(flags),
        words.length > 0 ? words.join(" ") : undefined,
      );
    });
}
