/**
 * Speculative decoding (`--draft-model`) and prompt lookup (`--lookup`) through the built CLI, on
 * the real engine: the greedy reply is the one the model writes alone, the acceptance figures are
 * reported, and bad inputs are refused with one line.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runParley, type RunResult } from "../helpers/cli.ts";
import { brokenFixture, fixture } from "../helpers/fixtures.ts";
import { homeWithModels } from "../helpers/models-folder.ts";
import { startServe } from "../helpers/serve.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-predictors-"));

interface Completion {
  choices: [{ message: { content: string }; finish_reason: string }];
  usage: { completion_tokens: number };
  timings: { predicted_n: number; draft_n?: number; draft_n_accepted?: number };
}

/** A greedy one-shot reply of at most 80 tokens, as JSON. */
async function reply(args: string[], prompt: string): Promise<Completion> {
  const r = await runParley([...args, "--temperature", "0", "-n", "80", "--json", prompt]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Completion;
}

/** The reply with the predictor is the reply without it, at least `atLeast` tokens long. */
async function sameReply(model: string, predictor: string[], prompt: string, atLeast = 64) {
  const alone = await reply(["-m", model], prompt);
  const helped = await reply(["-m", model, ...predictor], prompt);
  assert.ok(alone.usage.completion_tokens >= atLeast, `only ${alone.usage.completion_tokens} tokens`);
  assert.equal(helped.choices[0].message.content, alone.choices[0].message.content);
  assert.equal(helped.usage.completion_tokens, alone.usage.completion_tokens);
  assert.equal(alone.timings.draft_n, undefined, "no draft figures without a predictor");
  const drafted = helped.timings.draft_n;
  const accepted = helped.timings.draft_n_accepted;
  assert.ok(drafted !== undefined && accepted !== undefined, "draft figures with a predictor");
  assert.ok(accepted >= 0 && accepted <= drafted, `${accepted} of ${drafted}`);
  // One proposal a step: never more proposals than tokens written.
  assert.ok(drafted <= helped.usage.completion_tokens, `${drafted} drafted for ${helped.usage.completion_tokens}`);
  return { drafted, accepted, tokens: helped.usage.completion_tokens };
}

/** One line on stderr, starting "parley: ", no stack trace, and the expected exit code. */
function assertCleanError(r: RunResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^parley: [^\n]+\n$/, "one line on stderr");
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |Error:|ENOENT/);
}

describe("speculative decoding with --draft-model", () => {
  it("writes the same greedy reply when the draft's guesses are nearly all refused", async () => {
    // Other random weights: the draft is sure of its tokens, and they are seldom the model's.
    const { drafted, accepted } = await sameReply(
      fixture("random"),
      ["--draft-model", fixture("random-sharp")],
      "Tell me a long story",
    );
    assert.ok(drafted > 10, `${drafted} drafted`);
    assert.ok(accepted <= drafted / 10, `${accepted} of ${drafted} accepted`);
  });

  it("writes the same greedy reply when a model drafts for itself, and every guess is accepted", async () => {
    const model = fixture("random-sharp");
    const { drafted, accepted } = await sameReply(model, ["--draft-model", model], "Tell me a long story", 80);
    assert.ok(drafted >= 30, `${drafted} drafted`);
    assert.equal(accepted, drafted);
  });

  it("names the draft model and its acceptance in --stats", async () => {
    const r = await runParley(
      ["-m", fixture("loop"), "--draft-model", fixture("loop-sharp"), "-n", "20", "--stats", "Hi"],
      {},
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /, draft model loop-sharp\.gguf\n/);
    assert.match(r.stderr, /, 10 of 10 drafted tokens accepted \(100%\)/);
  });

  it("takes the draft model from PARLEY_DRAFT_MODEL, by alias, and missing names are refused", async () => {
    const { home } = homeWithModels({ models: { "loop-sharp": "loop-sharp" }, aliases: { quick: "loop-sharp.gguf" } });
    const r = await runParley(["-m", fixture("loop"), "-n", "8", "--json", "Hi"], {
      home,
      env: { PARLEY_DRAFT_MODEL: "quick" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Completion).timings.draft_n_accepted, 4);
    const missing = await runParley(["-m", fixture("loop"), "--draft-model", "quik", "Hi"], { home });
    assertCleanError(missing, 2, /^parley: draft model: no model named "quik" in /);
  });
});

describe("prompt lookup with --lookup", () => {
  it("writes the same greedy reply on noise, where the message has nothing to repeat", async () => {
    await sameReply(fixture("random"), ["--lookup"], "Tell me a long story");
  });

  it("pays on a reply that repeats the message: the same reply, with guesses accepted", async () => {
    const { drafted, accepted, tokens } = await sameReply(
      fixture("loop"),
      ["--lookup"],
      `Say it again: ${"la".repeat(40)}`,
      79,
    );
    assert.ok(accepted >= tokens / 3, `${accepted} of ${drafted} accepted for ${tokens} tokens`);
  });

  it("is turned on by PARLEY_LOOKUP, and a bad value there is refused", async () => {
    const on = await runParley(["-m", fixture("loop"), "-n", "8", "--json", "lalala"], {
      env: { PARLEY_LOOKUP: "yes" },
    });
    assert.equal(on.code, 0, on.stderr);
    assert.ok((JSON.parse(on.stdout) as Completion).timings.draft_n !== undefined);
    const bad = await runParley(["-m", fixture("loop"), "Hi"], { env: { PARLEY_LOOKUP: "sometimes" } });
    assertCleanError(bad, 2, /invalid value for PARLEY_LOOKUP: "sometimes"/);
  });
});

describe("bad token predictor inputs are refused with one line", () => {
  it("a missing draft model file (exit 3)", async () => {
    const r = await runParley(["-m", fixture("script"), "--draft-model", join(dir, "nope.gguf"), "Hi"]);
    assertCleanError(r, 3, /^parley: draft model: model file not found: .*nope\.gguf\n$/);
  });

  it("a draft model that is not a GGUF file (exit 3)", async () => {
    const r = await runParley(["-m", fixture("script"), "--draft-model", brokenFixture("wrong-magic"), "Hi"]);
    assertCleanError(r, 3, /^parley: draft model: not a GGUF model file/);
  });

  it("a draft model GGUF that llama.cpp cannot load (exit 3)", async () => {
    const r = await runParley(["-m", fixture("script"), "--draft-model", fixture("unknown-arch"), "Hi"]);
    assertCleanError(r, 3, /^parley: cannot load the draft model .*unknown-arch\.gguf: unknown model architecture/);
  });

  it("a draft model with another vocabulary (exit 3)", async () => {
    // Token 270 is "la" in one and "Hello" in the other.
    const r = await runParley(["-m", fixture("loop"), "--draft-model", fixture("script"), "Hi"]);
    assertCleanError(
      r,
      3,
      /^parley: the draft model script\.gguf cannot draft for loop\.gguf: its token 273 is another text; a draft model must have the same vocabulary/,
    );
  });

  it("--draft-model and --lookup together (exit 2)", async () => {
    const r = await runParley(["-m", fixture("loop"), "--draft-model", fixture("loop"), "--lookup", "Hi"]);
    assertCleanError(r, 2, /^parley: --draft-model and --lookup cannot be used together/);
  });

  it("a draft model or prompt lookup for a remote model (exit 2), before any connection", async () => {
    const base = ["--base-url", "http://127.0.0.1:9/v1", "-m", "some-model"];
    const draft = await runParley([...base, "--draft-model", fixture("loop"), "Hi"]);
    assertCleanError(
      draft,
      2,
      /^parley: --draft-model applies only to a model run on this machine, and some-model is a remote one\n$/,
    );
    const lookup = await runParley([...base, "Hi"], { env: { PARLEY_LOOKUP: "1" } });
    assertCleanError(
      lookup,
      2,
      /^parley: lookup \(set by env PARLEY_LOOKUP\) applies only to a model run on this machine/,
    );
  });
});

describe("parley serve with a draft model", () => {
  it("reports draft_n and draft_n_accepted in a reply's timings", async () => {
    const served = await startServe(["-m", fixture("loop"), "--draft-model", fixture("loop-sharp")]);
    try {
      const res = await fetch(`${served.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages: [{ role: "user", content: "Hi" }], max_tokens: 12, temperature: 0 }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as Completion;
      assert.equal(body.choices[0].message.content, "la".repeat(12));
      assert.equal(body.timings.draft_n, 6);
      assert.equal(body.timings.draft_n_accepted, 6);
    } finally {
      await served.stop();
    }
  });
});
