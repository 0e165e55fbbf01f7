/** GGUF fixtures, built once per test process into a temporary folder. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildGguf, writeGguf, type FixtureOptions } from "../fixtures/gguf-writer.ts";

let dir: string | undefined;
const made = new Map<string, string>();

function fixtureDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), "parley-fixtures-"));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The scripted reply of the `script` fixture. */
export const SCRIPT_REPLY = "Hello from parley!";
/** The reasoning and reply of the `thinking` fixture. */
export const THINKING_REASONING = "Let me think";
export const THINKING_REPLY = "Hello from parley!";

/** The arguments the tool-calling fixtures write (a piece ends with the four newlines that close them). */
export const TOOL_ARGUMENTS = { city: "Paris" };
const TOOL_ARGUMENTS_PIECE = '{"city": "Paris"}\n\n\n\n';
/** The text the `tools-qwen` fixture writes before its call. */
export const TOOL_PREAMBLE = "Let me look.";

/** The command the `tools-shell` fixture asks the chat screen's shell tool to run. */
export const SHELL_COMMAND = "echo tool says hi > made-by-tool.txt; cat made-by-tool.txt";

const RECIPES = {
  /** Replies "Hello from parley!" then ends (ChatML template). */
  script: { weights: "script" },
  /** Reasoning in <think> tags, then "Hello from parley!". */
  thinking: {
    weights: "script",
    script: ["<think>", "Let", " me", " think", "</think>", "Hello", " from", " parley", "!"],
  },
  /** Repeats "la" forever: for token limits, interrupts and context ends. */
  loop: { weights: "script", script: ["la"], loop: true },
  /** Repeats "la" as `loop` does, sure of each token: a draft model for `loop` whose guesses are right. */
  "loop-sharp": { weights: "script", script: ["la"], loop: true, sharpness: 3 },
  /** Writes escape sequences and control characters. */
  escapes: { weights: "script", script: ["Safe", "\u001b[2J", "\u001b]0;pwned\u0007", "\r", "\u009b31m", "\tend"] },
  /** Random weights: noise, for sampling and seeds. */
  random: { weights: "random" },
  /** Noise from other random weights, each next token far likelier than the rest: a confident draft model. */
  "random-sharp": { weights: "random", seed: 7, sharpness: 4 },
  /** A small context: 64 tokens. */
  tiny: { weights: "script", script: ["la"], loop: true, contextLength: 64 },
  /** Repeats "la", trained for 4,096 tokens of context: for contexts sized to a one-shot job. */
  roomy: { weights: "script", script: ["la"], loop: true, contextLength: 4096 },
  llama3: { weights: "script", template: "llama3" },
  gemma: { weights: "script", template: "gemma" },
  "no-system": { weights: "script", template: "no-system" },
  "no-template": { weights: "script", template: "none" },
  "unknown-arch": { weights: "script", architecture: "parleynet" },
  /**
   * Calls get_weather({"city": "Paris"}) after the text "Let me look.", in the Qwen format
   * (`--template qwen`). The template writes the call's parameter prefix and its end itself:
   * the jumps send the script on from them to the arguments, then to the end.
   */
  "tools-qwen": {
    weights: "script",
    script: ["Let me look.", "<tool_call>", '\n{"name": "', "get_weather\n", TOOL_ARGUMENTS_PIECE],
    // A call made to start (tool_choice "required") has its prefix written by the template: it ends in a quote.
    jumps: { "\u2581": 4, "<0x20>": 4, "<0x22>": 3, "</tool_call>": 5 },
    contextLength: 4096,
  },
  /** Calls get_weather({"city": "Paris"}) in the Llama 3.1 format (`--template llama3.1`). */
  "tools-llama31": {
    weights: "script",
    template: "llama3",
    script: ["<function=", "get_weather\n", TOOL_ARGUMENTS_PIECE],
    jumps: { "<0x3E>": 2, "<|eom_id|>": 3 },
    contextLength: 4096,
  },
  /**
   * Calls parley's own `shell` tool with SHELL_COMMAND, in the Qwen format (`--template qwen`),
   * as `tools-qwen` calls get_weather: every reply is that call.
   */
  "tools-shell": {
    weights: "script",
    script: [TOOL_PREAMBLE, "<tool_call>", '\n{"name": "', "shell\n", `{"command": "${SHELL_COMMAND}"}\n\n\n\n`],
    jumps: { "\u2581": 4, "<0x20>": 4, "</tool_call>": 5 },
    contextLength: 4096,
  },
  /** Calls parley's own `read_file` tool with {"path": "notes.txt"} (Qwen format): every reply is that call. */
  "tools-read": {
    weights: "script",
    script: [TOOL_PREAMBLE, "<tool_call>", '\n{"name": "', "read_file\n", '{"path": "notes.txt"}\n\n\n\n'],
    jumps: { "\u2581": 4, "<0x20>": 4, "</tool_call>": 5 },
    contextLength: 4096,
  },
  /**
   * Replies "Hello from parley!" with room for a template's tool instructions: the answer after
   * a tool result (a scripted model reads nothing, so the one that calls cannot also answer).
   */
  "tools-answer": { weights: "script", contextLength: 4096 },
} satisfies Record<string, FixtureOptions>;

export type FixtureName = keyof typeof RECIPES;

export function fixture(name: FixtureName): string {
  let path = made.get(name);
  if (!path) {
    path = writeGguf(join(fixtureDir(), `${name}.gguf`), RECIPES[name]);
    made.set(name, path);
  }
  return path;
}

export type BrokenName = "truncated" | "truncated-header" | "wrong-magic" | "empty";

/** Damaged model files for error tests. */
export function brokenFixture(name: BrokenName): string {
  const path = join(fixtureDir(), `broken-${name}.gguf`);
  const good = buildGguf({ weights: "script" });
  const bytes =
    name === "truncated"
      ? good.subarray(0, Math.floor(good.length / 2))
      : name === "truncated-header"
        ? good.subarray(0, 100)
        : name === "wrong-magic"
          ? Buffer.concat([Buffer.from("GGML"), good.subarray(4)])
          : Buffer.alloc(0);
  writeFileSync(path, bytes);
  return path;
}
