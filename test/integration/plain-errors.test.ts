/**
 * Errors in plain words at the edges: no exception class name, no error code, no stray Node
 * warning, one line for a deleted working folder, and names or stored texts from outside made
 * terminal-safe (C1 controls included).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Term } from "../e2e/tmux.ts";
import { BIN, collect, runParley, tempHome } from "../helpers/cli.ts";
import { fixture } from "../helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-plain-"));
const CLASS_NAME = /\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(Error|Exception)\b/;
const ERRNO = /\bE[A-Z]{3,}\b/;

describe("no exception class names or error codes", () => {
  it("--gpu cuda where that backend is missing says so in words", async () => {
    const r = await runParley(["-m", fixture("script"), "--gpu", "cuda", "Hi"]);
    if (r.code === 0) return; // a machine with CUDA: nothing to refuse
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^parley: cannot start the cuda backend of llama\.cpp: /);
    assert.doesNotMatch(r.stderr, CLASS_NAME);
    assert.equal(r.stderr.split("\n").length, 2);
  });

  it("a deleted working folder is one line and exit 2", async () => {
    const gone = join(dir, "gone");
    mkdirSync(gone);
    const script = `cd "$1" && rmdir "$1" && shift && exec "$@"`;
    const child = spawn("sh", ["-c", script, "sh", gone, process.execPath, BIN, "-m", fixture("script"), "Hi"], {
      env: { ...process.env, PARLEY_HOME: tempHome(), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const r = await collect(child);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      "parley: the current folder no longer exists (it was deleted or moved): cd to another folder and run parley again\n",
    );
    assert.doesNotMatch(r.stderr, ERRNO);
  });
});

describe("Node's own warnings", () => {
  // Emits a Node warning as parley first writes to stdout, the way a library would mid-run.
  const preload = join(dir, "warn.cjs");
  writeFileSync(
    preload,
    `const write = process.stdout.write;
process.stdout.write = function (...args) {
  process.stdout.write = write;
  process.emitWarning("Possible EventEmitter memory leak detected", "MaxListenersExceededWarning");
  return write.apply(this, args);
};
`,
  );
  const env = { NODE_OPTIONS: `--require ${preload}` };

  it("never reach the user", async () => {
    const r = await runParley(["paths"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
  });

  it("are shown with --debug", async () => {
    const r = await runParley(["--debug", "paths"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /MaxListenersExceededWarning/);
  });
});

describe("names and stored texts from outside are made terminal-safe", () => {
  const nasty = "te\u001b]0;x\u0007mp\u009b31m";

  it("in a rejected config key, preset name and stop text", async () => {
    for (const args of [
      ["config", "set", nasty, "1"],
      ["prompts", "show", nasty],
      ["config", "set", "stop", `[${nasty}`],
    ]) {
      const r = await runParley(args);
      assert.equal(r.code, 2, r.stderr);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(r.stderr, /[\u001b\u0007\u0080-\u009f]/, args.join(" "));
    }
  });

  const terms: Term[] = [];
  after(() => terms.forEach((t) => t.kill()));

  it("in config get and prompts show on a terminal", async () => {
    const home = tempHome();
    assert.equal((await runParley(["config", "set", "system", `A\u001b[2JB\u009bC`], { home })).code, 0);
    assert.equal((await runParley(["prompts", "add", "p", `D\u001b[2JE\u009bF`], { home })).code, 0);
    for (const [args, shown] of [
      [["config", "get", "system"], "A^[[2JB\ufffdC"],
      [["prompts", "show", "p"], "D^[[2JE\ufffdF"],
      [["prompts", "list"], "D^[[2JE\ufffdF"],
    ] as const) {
      const term = Term.startInShell([...args], { home, columns: 80, rows: 8 });
      terms.push(term);
      // The shell's prompt comes back after the output: the text is there, drawn as text.
      const screen = await term.waitFor(/\n\$ *\n/, 30_000);
      assert.ok(screen.includes(shown), screen);
    }
  });
});
