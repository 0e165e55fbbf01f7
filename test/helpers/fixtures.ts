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
