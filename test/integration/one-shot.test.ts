import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY, THINKING_REASONING, THINKING_REPLY } from "../helpers/fixtures.ts";
import { assertChunk, assertCompletion, validatesAgainst } from "../helpers/openai-shapes.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-one-shot-"));

async function json(args: string[], input?: string) {
  const r = await runParley([...args, "--json"], input === undefined ? {} : { input });
  assert.equal(r.code, 0, r.stderr);
  const value = JSON.parse(r.stdout);
  assertCompletion(value);
  return value;
}

describe("one-shot text mode", () => {
  it("answers a prompt given as an argument", async () => {
    const r = await runParley(["-m", fixture("script"), "Hi", "there"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
    assert.equal(r.stderr, "");
  });

  it("answers a prompt piped on stdin, and takes the model from PARLEY_MODEL", async () => {
    const r = await runParley([], { input: "Hi from a pipe\n", env: { PARLEY_MODEL: fixture("script") } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
  });

  it("joins stdin and the argument with a blank line", async () => {
    const m = fixture("script");
    const both = await json(["-m", m, "summarise"], "some text\n");
    const joined = await json(["-m", m, "some text\n\nsummarise"]);
    const glued = await json(["-m", m, "some textsummarise"]);
    assert.equal(both.usage.prompt_tokens, joined.usage.prompt_tokens);
    assert.notEqual(both.usage.prompt_tokens, glued.usage.prompt_tokens);
  });

  it("adds a system prompt from -s or --system-file", async () => {
    const m = fixture("script");
    const file = join(dir, "system.txt");
    writeFileSync(file, "You are terse.");
    const plain = await json(["-m", m, "Hi"]);
    const flag = await json(["-m", m, "-s", "You are terse.", "Hi"]);
    const fromFile = await json(["-m", m, "--system-file", file, "Hi"]);
    assert.ok(flag.usage.prompt_tokens > plain.usage.prompt_tokens);
    assert.equal(flag.usage.prompt_tokens, fromFile.usage.prompt_tokens);
  });

  it("reads the prompt and generates on thread counts of their own with --batch-threads", async () => {
    const r = await runParley(["-m", fixture("script"), "--stats", "--threads", "1", "--batch-threads", "2", "Hi"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
    assert.match(r.stderr, /, threads: 1 \(2 for the prompt\)\n/);
    const env = await runParley(["-m", fixture("script"), "--stats", "--threads", "1", "Hi"], {
      env: { PARLEY_BATCH_THREADS: "2" },
    });
    assert.match(env.stderr, /, threads: 1 \(2 for the prompt\)\n/);
    const many = await runParley(["-m", fixture("script"), "--batch-threads", "1000", "Hi"]);
    assert.equal(many.code, 0, many.stderr);
    assert.match(many.stderr, /1000 threads to read a prompt asked for, but this machine has \d+ CPUs: using \d+/);
  });

  it("--debug tells how the decode thread count was chosen, unless --threads fixed it", async () => {
    const r = await runParley(["-m", fixture("script"), "--debug", "Hi"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
    assert.match(r.stderr, /^\[parley\] decode threads: \d+ to start with$/m);
    const fixed = await runParley(["-m", fixture("script"), "--debug", "--threads", "1", "Hi"]);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.doesNotMatch(fixed.stderr, /\[parley\] decode threads/);
  });

  it("prints statistics to stderr with --stats", async () => {
    const r = await runParley(["-m", fixture("script"), "--stats", "--threads", "1", "Hi"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
    assert.match(r.stderr, /^model: script\.gguf, template: ChatML, backend: CPU, context: 512 tokens, threads: 1\n/);
    assert.match(
      r.stderr,
      /prompt: \d+ tokens, completion: 4 tokens, time to first token: \d+ ms, decode: [\d.]+ tokens\/s\n$/,
    );
  });

  it("--stats says whether the token limit or a full context stopped the reply", async () => {
    const m = fixture("loop");
    const limit = await runParley(["-m", m, "--stats", "--context-size", "256", "-n", "5", "Hi"]);
    assert.equal(limit.code, 0, limit.stderr);
    assert.match(limit.stderr, /, stopped at the token limit\n$/);
    const full = await runParley(["-m", m, "--stats", "--context-size", "256", "Hi"]);
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stderr, /, stopped: the context is full\n$/);
    const both = await json(["-m", m, "--context-size", "256", "Hi"]);
    assert.equal(both.choices[0].finish_reason, "length", "the Chat Completion format has one reason for both");
    // The saved conversation keeps which it was.
    const home = tempHome();
    assert.equal((await runParley(["-m", m, "--context-size", "256", "Hi"], { home })).code, 0);
    assert.equal((await runParley(["-m", m, "--context-size", "256", "-n", "3", "-c", "more"], { home })).code, 0);
    const [saved] = JSON.parse((await runParley(["history", "list", "--json"], { home })).stdout);
    const shown = await runParley(["history", "show", saved.id], { home });
    assert.match(shown.stdout, /assistant · .* · stopped: the context is full\n/);
    assert.match(shown.stdout, /assistant · .* · stopped at the token limit\n/);
  });

  it("sizes the context to the job when -n is given and --context-size is not", async () => {
    const m = fixture("roomy");
    const context = (stderr: string) => Number(/context: (\d+) tokens/.exec(stderr)?.[1]);
    const small = await runParley(["-m", m, "--stats", "--threads", "1", "-n", "8", "Hi"]);
    assert.equal(small.code, 0, small.stderr);
    assert.equal(small.stdout, `${"la".repeat(8)}\n`);
    assert.equal(context(small.stderr), 512);
    const asked = await runParley(["-m", m, "--stats", "--threads", "1", "-n", "8", "--context-size", "1024", "Hi"]);
    assert.equal(context(asked.stderr), 1024, "--context-size wins");
    // The whole reply fits: the room is never what stops it.
    const long = "word ".repeat(400);
    const full = await json(["-m", m, "--threads", "1", "-n", "700", long]);
    assert.equal(full.usage.completion_tokens, 700);
    assert.equal(full.choices[0].finish_reason, "length");
    const big = await runParley(["-m", m, "--stats", "--threads", "1", "-n", "700", long]);
    assert.ok(context(big.stderr) >= full.usage.prompt_tokens + 700, big.stderr);
    assert.ok(context(big.stderr) < 4096, big.stderr);
    const unlimited = await runParley(["-m", fixture("script"), "--stats", "--threads", "1", "Hi"]);
    assert.equal(context(unlimited.stderr), 512, "without -n, the model's own context (512 here)");
  });

  it("a conversation resumed with -c keeps the context its saved state was made with, when the job fits", async () => {
    const m = fixture("roomy");
    const home = mkdtempSync(join(tmpdir(), "parley-job-home-"));
    const run = (args: string[]) => runParley(["-m", m, "--stats", "--threads", "1", ...args], { home });
    const first = await run(["-n", "8", "word ".repeat(300)]);
    assert.equal(first.code, 0, first.stderr);
    const size = Number(/context: (\d+) tokens/.exec(first.stderr)?.[1]);
    const again = await run(["-c", "-n", "8", "more"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`context: ${size} tokens`));
    assert.match(again.stderr, /parley: resume: snapshot loaded, \d+ prompt tokens reused/);
    const bigger = await run(["-c", "-n", String(size), "and more"]);
    assert.equal(bigger.code, 0, bigger.stderr);
    assert.ok(Number(/context: (\d+) tokens/.exec(bigger.stderr)?.[1]) > size, bigger.stderr);
    assert.match(bigger.stderr, /resume: no usable snapshot \(it was made with another context size\)/);
    assert.equal(bigger.stdout, `${"la".repeat(size)}\n`);
  });

  it("keeps reasoning out of the answer, shows it with --show-reasoning, and puts it in reasoning_content", async () => {
    const m = fixture("thinking");
    const hidden = await runParley(["-m", m, "Hi"]);
    assert.equal(hidden.stdout, `${THINKING_REPLY}\n`);
    const shown = await runParley(["-m", m, "--show-reasoning", "Hi"]);
    assert.equal(shown.stdout, `${THINKING_REASONING}\n\n${THINKING_REPLY}\n`);
    const c = await json(["-m", m, "Hi"]);
    assert.equal(c.choices[0].message.content, THINKING_REPLY);
    assert.equal(c.choices[0].message.reasoning_content, THINKING_REASONING);
  });

  it("reads the template from the model and lets --template override it", async () => {
    const stats = async (args: string[]) => (await runParley([...args, "--stats", "Hi"])).stderr;
    assert.match(await stats(["-m", fixture("llama3")]), /template: Llama 3/);
    assert.match(await stats(["-m", fixture("gemma")]), /template: Gemma/);
    assert.match(await stats(["-m", fixture("llama3"), "--template", "chatml"]), /template: ChatML/);
    assert.match(await stats(["-m", fixture("script"), "--template", "mistral"]), /template: Mistral/);
    assert.match(await stats(["-m", fixture("script"), "--template", "jinja"]), /template: [\w ]+/);
    for (const name of ["no-system", "no-template"] as const) {
      const r = await runParley(["-m", fixture(name), "-s", "Be brief.", "Hi"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
    }
  });
});

describe("sampling", () => {
  it("gives byte-identical output for the same seed and parameters", async () => {
    const args = ["-m", fixture("random"), "--temperature", "1", "--seed", "7", "-n", "40", "--raw", "Tell me a story"];
    const a = await runParley(args);
    const b = await runParley(args);
    const c = await runParley(args.map((x) => (x === "7" ? "8" : x)));
    assert.equal(a.code, 0, a.stderr);
    assert.ok(a.stdout.length > 0);
    assert.equal(a.stdout, b.stdout);
    assert.notEqual(a.stdout, c.stdout);
  });

  it("accepts every sampling flag", async () => {
    const r = await runParley([
      "-m",
      fixture("random"),
      "--temperature",
      "0.5",
      "--top-p",
      "0.9",
      "--top-k",
      "20",
      "--min-p",
      "0.1",
      "--repeat-penalty",
      "1.1",
      "--presence-penalty",
      "0.5",
      "--frequency-penalty",
      "0.5",
      "--seed",
      "1",
      "-n",
      "8",
      "Hi",
    ]);
    assert.equal(r.code, 0, r.stderr);
  });

  it("stops at --max-tokens with finish_reason length", async () => {
    const c = await json(["-m", fixture("loop"), "-n", "5", "Hi"]);
    assert.equal(c.choices[0].message.content, "lalalalala");
    assert.equal(c.choices[0].finish_reason, "length");
    assert.equal(c.usage.completion_tokens, 5);
    assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + 5);
    assert.equal(c.timings.predicted_n, 5);
  });

  it("stops at a --stop text, which is left out", async () => {
    const c = await json(["-m", fixture("script"), "--stop", " parley", "--stop", "zzz", "Hi"]);
    assert.equal(c.choices[0].message.content, "Hello from");
    assert.equal(c.choices[0].finish_reason, "stop");
  });

  it("ends with finish_reason length at the end of the context", async () => {
    const c = await json(["-m", fixture("tiny"), "Hi"]);
    assert.equal(c.choices[0].finish_reason, "length");
    assert.equal(c.usage.total_tokens, 64);
  });
});

describe("the Chat Completion format", () => {
  it("prints one chat.completion with --json", async () => {
    const c = await json(["-m", fixture("script"), "Hi"]);
    assert.equal(c.model, "script.gguf");
    assert.equal(c.choices[0].message.content, SCRIPT_REPLY);
    assert.equal(c.choices[0].finish_reason, "stop");
    assert.equal(c.usage.completion_tokens, 4);
    assert.ok(c.usage.prompt_tokens > 0);
    assert.equal(c.timings.prompt_n, c.usage.prompt_tokens);
  });

  it("streams chat.completion.chunk lines with --jsonl", async () => {
    const r = await runParley(["-m", fixture("thinking"), "--jsonl", "Hi"]);
    assert.equal(r.code, 0, r.stderr);
    const chunks = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    chunks.forEach(assertChunk);
    assert.deepEqual(chunks[0].choices[0].delta, { role: "assistant", content: "" });
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    const reasoning = chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("");
    assert.equal(content, THINKING_REPLY);
    assert.equal(reasoning, THINKING_REASONING);
    const finish = chunks.at(-2);
    assert.equal(finish.choices[0].finish_reason, "stop");
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage.completion_tokens, 9);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  });

  it("reads a messages array from a file and from stdin", async () => {
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: [{ type: "text", text: "Again" }] },
    ];
    const file = join(dir, "messages.json");
    writeFileSync(file, JSON.stringify(messages));
    const fromFile = await json(["-m", fixture("script"), "--messages", file]);
    const fromStdin = await json(["-m", fixture("script"), "--messages", "-"], JSON.stringify(messages));
    assert.equal(fromFile.choices[0].message.content, SCRIPT_REPLY);
    assert.equal(fromFile.usage.prompt_tokens, fromStdin.usage.prompt_tokens);
    const withPrompt = await json(["-m", fixture("script"), "--messages", file, "one more"]);
    assert.ok(withPrompt.usage.prompt_tokens > fromFile.usage.prompt_tokens);
  });

  it("continues a conversation that ends with an assistant message", async () => {
    const file = join(dir, "prefill.json");
    writeFileSync(
      file,
      JSON.stringify([
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Well," },
      ]),
    );
    const c = await json(["-m", fixture("script"), "--messages", file]);
    assert.equal(c.choices[0].message.content, SCRIPT_REPLY);
    assert.equal(c.choices[0].finish_reason, "stop");
  });

  it("takes a request body's fields as defaults that flags override", async () => {
    const file = join(dir, "body.json");
    writeFileSync(
      file,
      JSON.stringify({ model: "gpt-x", messages: [{ role: "user", content: "Hi" }], max_tokens: 3, stop: ["zzz"] }),
    );
    const body = await json(["-m", fixture("loop"), "--messages", file]);
    assert.equal(body.usage.completion_tokens, 3);
    const flag = await json(["-m", fixture("loop"), "--messages", file, "-n", "6"]);
    assert.equal(flag.usage.completion_tokens, 6);
  });

  it("constrains the reply to a JSON schema (--schema and response_format)", async () => {
    const schema = {
      type: "object",
      properties: { ok: { type: "boolean" }, mood: { enum: ["calm", "busy"] } },
      required: ["ok", "mood"],
      additionalProperties: false,
    };
    const file = join(dir, "schema.json");
    writeFileSync(file, JSON.stringify(schema));
    for (const args of [
      ["--schema", file],
      ["--schema", JSON.stringify(schema)],
    ]) {
      const r = await runParley(["-m", fixture("random"), "--seed", "3", "-n", "200", ...args, "Hi"]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(validatesAgainst(schema, JSON.parse(r.stdout)), r.stdout);
    }
    const body = join(dir, "body-schema.json");
    writeFileSync(
      body,
      JSON.stringify({
        messages: [{ role: "user", content: "Hi" }],
        response_format: { type: "json_schema", json_schema: { name: "x", schema } },
      }),
    );
    const c = await json(["-m", fixture("script"), "--seed", "1", "-n", "200", "--messages", body]);
    assert.ok(validatesAgainst(schema, JSON.parse(c.choices[0].message.content)));
  });
});
