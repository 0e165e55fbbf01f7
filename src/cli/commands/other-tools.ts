/**
 * Words that are commands in other local-model tools (ollama, llm, llama.cpp) but not in parley.
 * `parley list` or `parley pull x` typed from habit would otherwise be sent to the model as a
 * prompt (and saved); instead they get one line saying what parley does.
 */
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { editDistance } from "../../settings/keys.js";

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
  server: "parley serve -m <model> serves a model over HTTP with OpenAI's API",
  start: "parley serve -m <model> starts a server; parley -m <model> opens the chat",
  stop: "a parley serve stops with Ctrl+C or SIGTERM; a chat ends with /bye or Ctrl+D",
  ps: "parley keeps no list of running models: each chat and each parley serve loads its own",
  version: "parley --version prints the version",
  prompt: 'parley "a prompt" answers once; parley chat opens the chat',
  logs: "parley history lists saved conversations",
  log: "parley history lists saved conversations",
  keys: "parley needs no keys for local models; a remote server's key is read from the variable --api-key-env names",
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

/** Commands parley has beside the program's own list, for "did you mean" when the first word is a near miss. */
const EXTRA_COMMANDS = ["serve", "help"];

/** Other tools' words long enough that a near miss is a typo, not a word of a prompt. */
const NEAR_VERBS = ["list", "pull", "remove", "delete", "server", "version", "install"];

/** How many edits a typo of a word this long may have: none for short words, so "cat" stays a prompt. */
function allowedEdits(word: string): number {
  return word.length <= 3 ? 0 : word.length <= 5 ? 1 : 2;
}

/**
 * The parley command (or other tool's word) that a mistyped first word means: same first letter,
 * a few edits away. A prompt of several words counts only when the second word fits the command
 * (`hsitory list`), so `parley what is DNS` is a prompt.
 */
export function nearCommand(words: readonly string[], program: Command): string | undefined {
  const [first, second] = words;
  if (first === undefined || first.length < 2) return undefined;
  const word = first.toLowerCase();
  const commands = [...new Set([...program.commands.map((c) => c.name()), ...EXTRA_COMMANDS])];
  const candidates = words.length === 1 ? [...commands, ...NEAR_VERBS] : commands;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    if (c === word || c[0] !== word[0]) continue;
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best === undefined || bestDistance > allowedEdits(word)) return undefined;
  if (words.length === 1) return best;
  const sub = program.commands.find((c) => c.name() === best)?.commands.map((c) => c.name()) ?? [];
  return second !== undefined && sub.includes(second) ? best : undefined;
}

/** Whether the words were written after `--` (then they are a prompt, whatever they say). */
function afterDashes(words: readonly string[], rawArgs: readonly string[]): boolean {
  const dash = rawArgs.indexOf("--");
  return dash !== -1 && rawArgs.length - dash - 1 >= words.length;
}

/**
 * The line for a prompt that is really another tool's command or a mistyped parley command: its
 * first word is one of them, it was typed as separate words (not quoted as more than one) and
 * not after `--`.
 */
export function otherToolHint(
  words: readonly string[],
  rawArgs: readonly string[],
  program: Command,
): string | undefined {
  const first = words[0];
  if (first === undefined || afterDashes(words, rawArgs)) return undefined;
  // A real parley command of that name (added later) is Commander's to run, never a prompt.
  if (program.commands.some((c) => c.name() === first)) return undefined;
  const prompt = words.join(" ");
  const anyway = `To send ${JSON.stringify(prompt)} to the model as a prompt, write: parley -- ${prompt}`;
  if (Object.hasOwn(INSTEAD, first)) return `"${first}" is not a parley command: ${INSTEAD[first]}. ${anyway}`;
  const near = nearCommand(words, program);
  if (near === undefined) return undefined;
  if (Object.hasOwn(INSTEAD, near) && !program.commands.some((c) => c.name() === near))
    return `${JSON.stringify(first)} is not a parley command; did you mean "${near}"? ${INSTEAD[near]}. ${anyway}`;
  const meant = ["parley", near, ...words.slice(1, 2)].join(" ");
  return `${JSON.stringify(first)} is not a parley command; did you mean "${meant}"? ${anyway}`;
}

/** Refuses another tool's command word, or a mistyped command, given as the prompt (exit 2). */
export function refuseOtherToolCommand(program: Command): void {
  const words = (program.processedArgs[0] ?? []) as string[];
  // Commander keeps the arguments as given (`rawArgs`) but does not declare them in its types.
  const raw = (program as unknown as { rawArgs: string[] }).rawArgs;
  const hint = otherToolHint(words, raw.slice(2), program);
  if (hint !== undefined) throw new UsageError(hint);
}
