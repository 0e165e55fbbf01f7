/** The built-in tools (src/tools/) on real files and real commands: what they return, what they refuse, their bounds. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkToolNames, parseToolNames } from "../../src/chat/tool-names.ts";
import { UsageError } from "../../src/errors.ts";
import { configKey } from "../../src/settings/keys.ts";
import { checkPresetParams } from "../../src/store/presets.ts";
import {
  DECLINED,
  parseArguments,
  READ_FILE_LIMIT,
  runShell,
  SHELL_OUTPUT_LIMIT,
  ToolBox,
  type ToolCallRequest,
} from "../../src/tools/index.ts";

const outside = mkdtempSync(join(tmpdir(), "parley-tools-outside-"));
writeFileSync(join(outside, "secret.txt"), "not yours\n");
const cwd = mkdtempSync(join(tmpdir(), "parley-tools-"));
mkdirSync(join(cwd, "sub"));
writeFileSync(join(cwd, "hello.txt"), "hello, world\n");
writeFileSync(join(cwd, "sub", "deep.txt"), "deep ünïcode ✓\n");
writeFileSync(join(cwd, "binary.bin"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]));
writeFileSync(join(cwd, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
symlinkSync(join(outside, "secret.txt"), join(cwd, "link-out.txt"));
symlinkSync(outside, join(cwd, "dir-out"));
symlinkSync("hello.txt", join(cwd, "link-in.txt"));

const tools = new ToolBox(["read_file", "shell"]);
let ids = 0;
const call = (name: string, args: unknown): ToolCallRequest => ({
  id: `call_${++ids}`,
  name,
  arguments: typeof args === "string" ? args : JSON.stringify(args),
});
const read = (path: string) => tools.run(call("read_file", { path }), { cwd });
const shell = (command: string) => tools.run(call("shell", { command }), { cwd });

/** Whether a process is still there (a killed one may linger a moment as a zombie of its parent). */
function alive(pid: number): boolean {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    let state = "";
    try {
      state = readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] ?? "";
    } catch {
      return false;
    }
    if (state === "Z") return false;
  }
  return true;
}

/** A one-line reason in plain words: no errno, no stack. */
function plainLine(text: string): void {
  assert.doesNotMatch(text, /\bE[A-Z]{3,}\b|\n|Error\b|at .*:\d+/);
}

describe("read_file", () => {
  it("reads a text file under the working folder, in a sub-folder, through a link that stays inside", async () => {
    assert.deepEqual(await read("hello.txt"), { ok: true, content: "hello, world\n" });
    assert.deepEqual(await read("sub/deep.txt"), { ok: true, content: "deep ünïcode ✓\n" });
    assert.deepEqual(await read("./sub/../hello.txt"), { ok: true, content: "hello, world\n" });
    assert.deepEqual(await read("link-in.txt"), { ok: true, content: "hello, world\n" });
  });

  it("refuses absolute paths, .. escapes and links that lead outside, each with a one-line reason", async () => {
    const cases: [string, RegExp][] = [
      [join(outside, "secret.txt"), /absolute paths are refused/],
      ["/etc/passwd", /absolute paths are refused/],
      ["../x.txt", /leads outside the working folder/],
      ["sub/../../x.txt", /leads outside the working folder/],
      ["link-out.txt", /a symbolic link leads outside the working folder/],
      ["dir-out/secret.txt", /a symbolic link leads outside the working folder/],
      ["missing.txt", /no such file/],
      ["sub", /it is a directory, not a file/],
      ["", /the path is empty/],
      ["a\0b", /NUL/],
    ];
    for (const [path, reason] of cases) {
      const got = await read(path);
      assert.equal(got.ok, false, path);
      assert.match(got.content, /^error: cannot read /);
      assert.match(got.content, reason, path);
      plainLine(got.content);
      assert.doesNotMatch(got.content, /not yours/);
    }
  });

  it("refuses binary files and text that is not UTF-8", async () => {
    assert.match((await read("binary.bin")).content, /it is a binary file$/);
    assert.match((await read("latin1.txt")).content, /not UTF-8 text/);
  });

  it("refuses a pipe without waiting for a writer", async () => {
    execFileSync("mkfifo", [join(cwd, "fifo")]);
    const got = await read("fifo");
    assert.match(got.content, /it is a pipe, not a file/);
  });

  it("reads at most the limit of a large file and says so, without cutting a character", async () => {
    // "é" is two bytes: the limit falls inside one of them.
    const text = `a${"é".repeat(READ_FILE_LIMIT)}`;
    writeFileSync(join(cwd, "big.txt"), text);
    const got = await read("big.txt");
    assert.equal(got.ok, true);
    const [body, marker] = got.content.split("\n[truncated: ");
    assert.ok(body !== undefined && marker !== undefined);
    assert.ok(text.startsWith(body));
    assert.ok(Buffer.byteLength(body) <= READ_FILE_LIMIT && Buffer.byteLength(body) >= READ_FILE_LIMIT - 1);
    assert.match(marker, new RegExp(`of ${Buffer.byteLength(text)} are shown`));
    // At the limit exactly: whole, no marker.
    writeFileSync(join(cwd, "exact.txt"), "x".repeat(READ_FILE_LIMIT));
    assert.equal((await read("exact.txt")).content.length, READ_FILE_LIMIT);
  });
});

describe("shell", () => {
  it("runs a command in the working folder with its output and exit status", async () => {
    const got = await shell("pwd; cat hello.txt; echo oops >&2; exit 3");
    assert.equal(got.ok, false);
    assert.match(got.content, new RegExp(`^${cwd.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    assert.match(got.content, /hello, world\noops\n\[exit status 3\]$/);
    assert.deepEqual(await shell("true"), { ok: true, content: "[exit status 0]" });
    assert.deepEqual(await shell("printf 'no newline'"), { ok: true, content: "no newline\n[exit status 0]" });
  });

  it("gives the command no stdin", async () => {
    const got = await shell("cat; echo after");
    assert.equal(got.content, "after\n[exit status 0]");
  });

  it("kills a command that runs too long, with the children it started", async () => {
    const started = performance.now();
    const got = await runShell("sleep 30 & echo $! > bg.pid; sleep 30; echo never", { cwd }, { timeoutMs: 300 });
    assert.ok(performance.now() - started < 10_000);
    assert.equal(got.ok, false);
    assert.equal(got.content, "[killed: no end after 0.3 s]");
    assert.equal(alive(Number(readFileSync(join(cwd, "bg.pid"), "utf8"))), false);
  });

  it("does not wait for a child left running in the background", async () => {
    const started = performance.now();
    const got = await runShell("sleep 30 & echo $! > bg2.pid; echo started", { cwd }, { timeoutMs: 20_000 });
    assert.ok(performance.now() - started < 10_000);
    assert.equal(got.content, "started\n[exit status 0]");
    assert.equal(alive(Number(readFileSync(join(cwd, "bg2.pid"), "utf8"))), false);
  });

  it("bounds huge output with a marker that says how much there was", async () => {
    const got = await shell("head -c 5000000 /dev/zero | tr '\\0' x");
    const [body, rest] = got.content.split("\n[output truncated: ");
    assert.equal(body, "x".repeat(SHELL_OUTPUT_LIMIT));
    assert.equal(rest, `5000000 bytes in all, the first ${SHELL_OUTPUT_LIMIT} shown]\n[exit status 0]`);
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    const running = runShell("echo begun; sleep 30", { cwd, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const got = await running;
    assert.equal(got.content, "begun\n[stopped by the user]");
  });

  it("says when a signal ended the command, and when it cannot start", async () => {
    assert.match((await shell("kill -TERM $$")).content, /\[ended by signal SIGTERM\]$/);
    const gone = await runShell("true", { cwd: join(cwd, "no-such-folder") });
    assert.equal(gone.ok, false);
    assert.match(gone.content, /^error: the command could not start: no such file$/);
  });

  it("passes escape sequences through to the model unchanged (the screen makes them safe)", async () => {
    const got = await shell("printf '\\033]0;title\\007'");
    assert.equal(got.content, "\u001b]0;title\u0007\n[exit status 0]");
  });
});

describe("tool calls", () => {
  it("refuses unknown tools, tools not offered and bad arguments as results, not throws", async () => {
    const onlyRead = new ToolBox(["read_file"]);
    assert.match(
      (await onlyRead.run(call("shell", { command: "true" }), { cwd })).content,
      /no tool named "shell" \(tools: read_file\)/,
    );
    assert.match(
      (await tools.run(call("read_file", "{not json"), { cwd })).content,
      /^error: the arguments are not valid JSON$/,
    );
    assert.match((await tools.run(call("read_file", "[1]"), { cwd })).content, /must be a JSON object/);
    assert.match((await tools.run(call("read_file", { file: "x" }), { cwd })).content, /needs a "path" text/);
    assert.match((await tools.run(call("shell", { command: "  " }), { cwd })).content, /needs a "command" text/);
    assert.match((await tools.run(call("shell", "x".repeat(70_000)), { cwd })).content, /longer than/);
    assert.equal(parseArguments("").ok, true);
    assert.match(DECLINED, /declined/);
  });

  it("shows the call in full, and asks for shell even with --yes", () => {
    const command = "rm -rf build && make all 2>&1 | tail -n 50";
    assert.equal(tools.describe(call("shell", { command })), `shell ${command}`);
    assert.equal(tools.describe(call("read_file", { path: "a b.txt" })), "read_file a b.txt");
    assert.equal(tools.needsAsking(call("shell", { command }), true), true);
    assert.equal(tools.needsAsking(call("shell", { command }), false), true);
    assert.equal(tools.needsAsking(call("read_file", { path: "x" }), true), false);
    assert.equal(tools.needsAsking(call("read_file", { path: "x" }), false), true);
    // A call that cannot run is refused without asking.
    assert.equal(tools.needsAsking(call("nope", {}), false), false);
  });

  it("offers Chat Completion definitions of the tools named, in order", () => {
    const defs = new ToolBox(["shell", "read_file"]).definitions();
    assert.deepEqual(
      defs.map((d) => [d.type, d.function.name, d.function.parameters?.required]),
      [
        ["function", "shell", ["command"]],
        ["function", "read_file", ["path"]],
      ],
    );
    assert.equal(new ToolBox([]).empty, true);
  });
});

describe("tool names", () => {
  it("reads lists, none, and refuses unknown names with one line listing the known ones", () => {
    assert.deepEqual(parseToolNames("read_file, shell", "--tools"), ["read_file", "shell"]);
    assert.deepEqual(parseToolNames("shell,shell", "--tools"), ["shell"]);
    assert.deepEqual(parseToolNames("none", "--tools"), []);
    assert.throws(
      () => parseToolNames("read_file,bash", "--tools"),
      (err: unknown) =>
        err instanceof UsageError && err.message === 'unknown tool "bash" in --tools (known tools: read_file, shell)',
    );
    assert.throws(() => parseToolNames("read_fil", "--tools"), /did you mean "read_file"\?/);
    assert.throws(() => parseToolNames("read_file,,shell", "--tools"), /expected a comma-separated list/);
    assert.throws(() => checkToolNames("shell", '"tools"'), /invalid value for "tools"/);
  });

  it("is a config key (list, environment, none) and a preset parameter", () => {
    const spec = configKey("tools");
    assert.deepEqual(spec.parse("shell,read_file", "PARLEY_TOOLS"), ["shell", "read_file"]);
    assert.deepEqual(spec.check(["read_file"], '"tools"'), ["read_file"]);
    assert.deepEqual(spec.defaultValue, []);
    assert.equal(spec.env, "PARLEY_TOOLS");
    assert.throws(
      () => spec.check(["rm"], '"tools"'),
      /unknown tool "rm" in "tools" \(known tools: read_file, shell\)/,
    );
    assert.deepEqual(checkPresetParams({ tools: "read_file" }, "preset x"), { tools: ["read_file"] });
    assert.deepEqual(checkPresetParams({ tools: ["shell"], temperature: 0.5 }, "preset x"), {
      tools: ["shell"],
      temperature: 0.5,
    });
    assert.throws(() => checkPresetParams({ tools: ["sh"] }, "preset x"), /unknown tool "sh" in preset x\.tools/);
  });
});
