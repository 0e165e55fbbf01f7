import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { BIN, collect, spawnParley, tempHome, waitFor } from "../helpers/cli.ts";
import { fixture } from "../helpers/fixtures.ts";
import { assertChunk, assertCompletion } from "../helpers/openai-shapes.ts";

/** Starts an endless reply, waits until `ready` holds on stdout, then sends SIGINT. */
async function interrupt(extra: string[], ready: (stdout: string) => boolean) {
  const child = spawnParley(["-m", fixture("loop"), "-n", "1000000", ...extra, "Hi"]);
  child.stdin?.end();
  let seen = "";
  child.stdout?.on("data", (d: Buffer) => (seen += d.toString()));
  const result = collect(child);
  await waitFor(() => ready(seen), 30_000, "output before SIGINT");
  child.kill("SIGINT");
  return result;
}

describe("interrupts and closed pipes", () => {
  it("SIGINT in text mode keeps what was written and exits 130", async () => {
    const r = await interrupt([], (s) => s.length > 20);
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stdout, /^(la)+\n?$/);
    assert.equal(r.stderr, "");
  });

  it("SIGINT with --jsonl ends with a valid usage chunk marked interrupted", async () => {
    const r = await interrupt(["--jsonl"], (s) => s.split("\n").length > 5);
    assert.equal(r.code, 130, r.stderr);
    const chunks = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    chunks.forEach(assertChunk);
    assert.equal(chunks.at(-2).choices[0].finish_reason, "stop");
    assert.equal(chunks.at(-1).interrupted, true);
    assert.ok(chunks.at(-1).usage.completion_tokens > 0);
  });

  it("SIGINT with --json prints the partial completion marked interrupted", async () => {
    const child = spawnParley(["-m", fixture("loop"), "-n", "1000000", "--json", "--stats", "Hi"]);
    child.stdin?.end();
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const result = collect(child);
    // --json writes nothing until the end; --stats says when the model is loaded.
    await waitFor(() => stderr.startsWith("model: "), 30_000, "the model to load");
    child.kill("SIGINT");
    const r = await result;
    assert.equal(r.code, 130, stderr);
    const c = JSON.parse(r.stdout);
    assertCompletion(c);
    assert.equal(c.interrupted, true);
    assert.equal(c.choices[0].finish_reason, "stop");
    assert.match(c.choices[0].message.content, /^(la)*$/);
  });

  it("a reader that goes away ends parley quietly", async () => {
    const child = spawn(
      "bash",
      [
        "-c",
        `"${process.execPath}" "${BIN}" -m "${fixture("loop")}" -n 1000000 Hi | head -c 20; echo "exit=\${PIPESTATUS[0]}" >&2`,
      ],
      { env: { ...process.env, PARLEY_HOME: tempHome() }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const r = await collect(child);
    assert.equal(r.stdout, "la".repeat(10));
    assert.equal(r.stderr, "exit=0\n");
  });
});

describe("terminal output", () => {
  const viaTerminal = (args: string[]) =>
    collect(
      spawn("script", ["-qec", `"${process.execPath}" "${BIN}" ${args.join(" ")}`, "/dev/null"], {
        env: { ...process.env, PARLEY_HOME: tempHome(), NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );

  it("neutralises escape sequences when stdout is a terminal", async () => {
    const r = await viaTerminal(["-m", fixture("escapes"), "Hi"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes("Safe^[[2J^[]0;pwned^G^M\ufffd31m\tend"), JSON.stringify(r.stdout));
    assert.ok(!r.stdout.includes("\u001b"), "no escape character reaches the terminal");
  });

  it("writes bytes as they are with --raw", async () => {
    const r = await viaTerminal(["-m", fixture("escapes"), "--raw", "Hi"]);
    assert.ok(r.stdout.includes("\u001b[2J"));
  });
});
