/**
 * Words that are commands in other local-model tools (ollama, llm, llama.cpp) but not in parley.
 * `parley list` or `parley pull x` typed from habit would otherwise be sent to the model as a
 * prompt (and saved); instead they get one line saying what parley does.
 */
import type { Command } from "commander";
import { UsageError } from "../../errors.js";

/** What parley does instead, by the other tool's command word. */
const INSTEAD: Readonly<Record<string, string>> = {
  help: "parley --help lists the commands; parley <command> --help tells more",
  list: "parley models list lists model files; parley history lists saved conversations",
  ls: "parley models list lists model files; parley history lists saved conversations",
  models: "parley models list lists model files",
  pull: "parley models pull <name> downloads a model file",
  push: "parley runs local model files; it has no model registry to push to",
  create:
    "parley runs GGUF files as they are; a named system prompt with parameters is a preset: parley prompts add <name> <text>",
  cp: "parley models alias <name> <model> gives a model another name",
  copy: "parley models alias <name> <model> gives a model another name",
  rm: "parley models rm <name> deletes a model file; parley history rm <id> deletes a conversation",
  remove: "parley models rm <name> deletes a model file; parley history rm <id> deletes a conversation",
  delete: "parley models rm <name> deletes a model file; parley history rm <id> deletes a conversation",
  show: "parley models info <model> describes a model file; parley history show <id> prints a conversation",
  info: "parley models info <model> describes a model file",
  run: 'parley -m <model> opens the chat; parley -m <model> "a prompt" answers once',
  serve: "parley has no server; it loads the model in the process that chats (parley -m <model>)",
  server: "parley has no server; it loads the model in the process that chats (parley -m <model>)",
  start: "parley has no server to start; parley -m <model> opens the chat",
  stop: "parley has no server to stop; a chat ends with /bye or Ctrl+D",
  ps: "parley has no server and no running models to list: each chat loads its own",
  version: "parley --version prints the version",
  prompt: 'parley "a prompt" answers once; parley chat opens the chat',
  logs: "parley history lists saved conversations",
  log: "parley history lists saved conversations",
  keys: "parley runs local models only and needs no keys",
  templates: "parley prompts lists named system prompts (presets)",
  aliases: "parley models alias names models",
  plugins: "parley has no plugins",
  install: "parley has no plugins to install; parley models pull <name> downloads a model",
  uninstall: "parley has no plugins to uninstall",
  embed: "parley chats and completes; it does not compute embeddings",
  similar: "parley chats and completes; it does not compute embeddings",
  bench: 'parley --stats "a prompt" prints token counts and speed',
  quantize: "parley runs GGUF files as they are; it does not quantize",
  convert: "parley runs GGUF files as they are; it does not convert models",
  doctor: "parley doctor checks the set-up",
};

/**
 * The line for a prompt that is really another tool's command: its first word is one of them,
 * it was typed as separate words (not quoted as more than one) and not after `--`.
 */
export function otherToolHint(
  words: readonly string[],
  rawArgs: readonly string[],
  program: Command,
): string | undefined {
  const first = words[0];
  if (first === undefined || !Object.hasOwn(INSTEAD, first)) return undefined;
  // A real parley command of that name (added later) is Commander's to run, never a prompt.
  if (program.commands.some((c) => c.name() === first)) return undefined;
  const dash = rawArgs.indexOf("--");
  if (dash !== -1 && rawArgs.length - dash - 1 >= words.length) return undefined;
  const prompt = words.join(" ");
  return `"${first}" is not a parley command: ${INSTEAD[first]}. To send ${JSON.stringify(prompt)} to the model as a prompt, write: parley -- ${prompt}`;
}

/** Refuses another tool's command word given as the prompt (exit 2). */
export function refuseOtherToolCommand(program: Command): void {
  const words = (program.processedArgs[0] ?? []) as string[];
  // Commander keeps the arguments as given (`rawArgs`) but does not declare them in its types.
  const raw = (program as unknown as { rawArgs: string[] }).rawArgs;
  const hint = otherToolHint(words, raw.slice(2), program);
  if (hint !== undefined) throw new UsageError(hint);
}
