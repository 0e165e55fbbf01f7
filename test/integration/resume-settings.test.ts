/** `-c` and `--resume` go on with the model and parameters a conversation was started with; a flag still wins. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture } from "../helpers/fixtures.ts";

async function json(args: string[], home: string) {
  const r = await runParley([...args, "--json"], { home });
  assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { model: string; usage: { completion_tokens: number } };
}

describe("resuming restores the recorded model and parameters", () => {
  it("needs no -m, keeps the preset's values, and lets a flag override them", async () => {
    const home = tempHome();
    const add = await runParley(["prompts", "add", "short", "Be short.", "--max-tokens", "6"], { home });
    assert.equal(add.code, 0, add.stderr);
    const first = await json(["-m", fixture("loop"), "-p", "short", "--threads", "1", "Hi"], home);
    assert.equal(first.usage.completion_tokens, 6);
    const list = await runParley(["history", "list", "--json"], { home });
    const id = (JSON.parse(list.stdout) as { id: string }[])[0]?.id ?? "";

    const more = await json(["-c", "--threads", "1", "more"], home);
    assert.equal(more.model, "loop.gguf", "the recorded model is used without -m");
    assert.equal(more.usage.completion_tokens, 6, "the preset's max-tokens is kept");

    const flagged = await json(["--resume", id, "--threads", "1", "-n", "3", "again"], home);
    assert.equal(flagged.model, "loop.gguf");
    assert.equal(flagged.usage.completion_tokens, 3, "a flag on resume wins");

    const other = await json(["--resume", id, "-m", fixture("script"), "--threads", "1", "switch"], home);
    assert.equal(other.model, "script.gguf", "-m on resume wins");
  });

  it("-c with no prompt is a usage error, and adds nothing", async () => {
    const home = tempHome();
    await json(["-m", fixture("script"), "--threads", "1", "Hi"], home);
    const r = await runParley(["-c"], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^parley: no prompt/);
    const list = JSON.parse((await runParley(["history", "list", "--json"], { home })).stdout) as {
      messages: number;
    }[];
    assert.equal(list[0]?.messages, 2);
  });
});

describe("notices in plain words", () => {
  it("say when the model changes on resume, the context size is raised, a generic template is used, or threads are capped", async () => {
    const home = tempHome();
    const first = await runParley(["-m", fixture("script"), "--threads", "1", "-n", "2", "Hi"], { home });
    assert.equal(first.code, 0, first.stderr);
    const r = await runParley(
      ["-c", "-m", fixture("no-template"), "--threads", "1", "--context-size", "64", "-n", "2", "more"],
      { home },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /this conversation was started with script\.gguf; continuing with no-template\.gguf, so it is read again/,
    );
    assert.match(r.stderr, /a context of 64 tokens was asked for; llama\.cpp uses \d+/);
    assert.match(r.stderr, /no-template\.gguf has no chat template of its own, so a generic one \(\w+\) is used/);
    const many = await runParley(["-m", fixture("script"), "--threads", "1000", "-n", "2", "Hi"], { home });
    assert.equal(many.code, 0, many.stderr);
    assert.match(many.stderr, /1000 threads asked for, but this machine has \d+ CPUs: using \d+/);
    assert.doesNotMatch(r.stderr + many.stderr, /Error|ENOENT|\n\s+at /);
  });
});
