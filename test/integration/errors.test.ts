import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runParley, type RunResult } from "../helpers/cli.ts";
import { brokenFixture, fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-errors-"));

/** One line on stderr, starting "parley: ", no stack trace, and the expected exit code. */
function assertCleanError(r: RunResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^parley: [^\n]+\n$/, "one line on stderr");
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe("bad model files exit 3 with one line", () => {
  const cases: [string, () => string, RegExp][] = [
    ["a missing path", () => join(dir, "nope.gguf"), /not found/],
    ["a directory", () => dir, /directory/],
    ["an empty file", () => brokenFixture("empty"), /empty/],
    ["a device that never ends", () => "/dev/zero", /model path is a device, not a GGUF file: \/dev\/zero/],
    [
      "a pipe (it would wait for a writer)",
      () => {
        const fifo = join(dir, "model.fifo");
        if (!existsSync(fifo)) execFileSync("mkfifo", [fifo]);
        return fifo;
      },
      /model path is a pipe, not a GGUF file/,
    ],
    ["a file that is not GGUF", () => brokenFixture("wrong-magic"), /not a GGUF/],
    ["a truncated file", () => brokenFixture("truncated"), /corrupted or incomplete/],
    ["a file cut inside its header", () => brokenFixture("truncated-header"), /cannot load model/],
    ["an unknown architecture", () => fixture("unknown-arch"), /unknown model architecture: 'parleynet'/],
  ];
  for (const [what, path, pattern] of cases) {
    it(what, async () => assertCleanError(await runParley(["-m", path(), "Hi"]), 3, pattern));
  }
});

describe("usage errors exit 2 with one line", () => {
  const m = () => fixture("script");
  const cases: [string, () => string[], RegExp, string?][] = [
    // No model named and none in the models folder: the first-run path says how to get one.
    ["no model", () => ["Hi"], /no model yet: download the default one with `parley models pull /],
    ["an unknown option", () => ["-m", m(), "--temprature", "1", "Hi"], /unknown option '--temprature'.*--temperature/],
    ["temperature -1", () => ["-m", m(), "--temperature", "-1", "Hi"], /--temperature: "-1"/],
    ["top-p 1.5", () => ["-m", m(), "--top-p", "1.5", "Hi"], /--top-p: "1.5"/],
    ["max-tokens 0", () => ["-m", m(), "--max-tokens", "0", "Hi"], /--max-tokens: "0"/],
    ["max-tokens abc", () => ["-m", m(), "-n", "abc", "Hi"], /--max-tokens: "abc"/],
    ["seed NaN", () => ["-m", m(), "--seed", "NaN", "Hi"], /--seed: "NaN"/],
    ["threads 0", () => ["-m", m(), "--threads", "0", "Hi"], /--threads/],
    ["batch threads 0", () => ["-m", m(), "--batch-threads", "0", "Hi"], /--batch-threads: "0"/],
    ["batch threads 1.5", () => ["-m", m(), "--batch-threads", "1.5", "Hi"], /--batch-threads: "1.5"/],
    ["context size abc", () => ["-m", m(), "--context-size", "abc", "Hi"], /--context-size/],
    ["gpu layers -1", () => ["-m", m(), "--gpu-layers", "-1", "Hi"], /--gpu-layers/],
    ["an unknown gpu", () => ["-m", m(), "--gpu", "tpu", "Hi"], /--gpu/],
    ["an unknown template", () => ["-m", m(), "--template", "nope", "Hi"], /unknown chat template "nope"/],
    [
      "jinja on a model without a template",
      () => ["-m", fixture("no-template"), "--template", "jinja", "Hi"],
      /no chat template/,
    ],
    ["--json with --jsonl", () => ["-m", m(), "--json", "--jsonl", "Hi"], /cannot be used with/],
    ["--system with --system-file", () => ["-m", m(), "-s", "a", "--system-file", "b", "Hi"], /not both/],
    ["a missing system file", () => ["-m", m(), "--system-file", join(dir, "none.txt"), "Hi"], /no such file/],
    ["no prompt and empty stdin", () => ["-m", m()], /no prompt: stdin was empty/],
    ["a missing messages file", () => ["-m", m(), "--messages", join(dir, "none.json")], /no such file/],
    [
      "malformed messages JSON",
      () => ["-m", m(), "--messages", "-"],
      /line 2, column 1/,
      '[{"role": "user", "content": "x"}\n{',
    ],
    ["empty messages", () => ["-m", m(), "--messages", "-"], /messages is empty/, "[]"],
    ["an unknown role", () => ["-m", m(), "--messages", "-"], /role "robot"/, '[{"role": "robot", "content": "x"}]'],
    [
      "an image part",
      () => ["-m", m(), "--messages", "-"],
      /"image_url" is not supported/,
      '[{"role": "user", "content": [{"type": "image_url"}]}]',
    ],
    [
      "a tool that is not a function",
      () => ["-m", m(), "--messages", "-"],
      /tools\[0\]\.type is missing \(expected "function"\)/,
      '{"messages": [{"role": "user", "content": "x"}], "tools": [{}]}',
    ],
    [
      "only a system message",
      () => ["-m", m(), "--messages", "-"],
      /no prompt/,
      '[{"role": "system", "content": "x"}]',
    ],
    ["a schema that is not JSON", () => ["-m", m(), "--schema", "{nope", "Hi"], /--schema is not valid JSON/],
    ["a schema that is an array", () => ["-m", m(), "--schema", join(dir, "array.json"), "Hi"], /JSON schema object/],
    // A model URL is downloaded now; offline, it is refused without touching the network.
    ["a model URL, offline", () => ["--offline", "-m", "https://example.com/m.gguf", "Hi"], /parley is offline/],
  ];
  writeFileSync(join(dir, "array.json"), "[1]");
  for (const [what, args, pattern, input] of cases) {
    it(what, async () => assertCleanError(await runParley(args(), input === undefined ? {} : { input }), 2, pattern));
  }

  it("refuses stdin over 16 MiB", async () => {
    const r = await runParley(["-m", fixture("script")], { input: Buffer.alloc(16 * 1024 * 1024 + 1, 0x61) });
    assertCleanError(r, 2, /larger than the 16 MiB limit/);
  });

  it("shows a stack trace only with --debug", async () => {
    const r = await runParley(["-m", join(dir, "nope.gguf"), "--debug", "Hi"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /\n\s+at /);
  });
});

describe("odd but valid input", () => {
  it("decodes invalid UTF-8 on stdin with replacement characters", async () => {
    const r = await runParley(["-m", fixture("script")], { input: Buffer.from([0x48, 0x69, 0xff, 0xfe, 0x0a]) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
  });

  it("a prompt that does not fit the context exits 4", async () => {
    const r = await runParley(["-m", fixture("tiny"), "x ".repeat(200)]);
    assertCleanError(r, 4, /prompt takes \d+ tokens but the context holds 64/);
  });

  it("a prompt of megabytes is refused on a count of part of it, with a lower bound", async () => {
    const r = await runParley(["-m", fixture("tiny")], { input: Buffer.from("word ".repeat(2_000_000)) });
    assertCleanError(r, 4, /prompt takes at least \d+ tokens but the context holds 64/);
  });

  it("a GPU backend that is not there exits 3", async () => {
    const r = await runParley(["-m", fixture("script"), "--gpu", "metal", "Hi"]);
    assertCleanError(r, 3, /metal/);
  });
});
