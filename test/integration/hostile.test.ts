/**
 * Hostile input and faults, run as real processes on real files: output that cannot be written,
 * special files named as input, a BOM in config.json, locks left by killed runs, a home that
 * cannot be written, control characters in JSON output.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConversationWriter } from "../../src/store/conversation-writer.ts";
import { BIN, collect, runParley, tempHome, type RunResult } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-hostile-"));

/** Runs parley with stdin, stdout and/or stderr connected to files (e.g. /dev/full, /dev/zero). */
function runWithFiles(
  args: string[],
  files: { stdin?: string; stdout?: string; stderr?: string },
  home = tempHome(),
): Promise<RunResult> {
  const fds = [files.stdin ?? "/dev/null", files.stdout, files.stderr].map((f, i) =>
    f === undefined ? "pipe" : openSync(f, i === 0 ? "r" : "w"),
  );
  const env: Record<string, string | undefined> = { ...process.env, PARLEY_HOME: home, NO_COLOR: "1" };
  delete env.PARLEY_MODEL;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: fds });
  for (const fd of fds) if (typeof fd === "number") closeSync(fd);
  return collect(child);
}

function assertOneLine(r: RunResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, /^parley: [^\n]+\n$/, `one line on stderr: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |E[A-Z]{4,}|Error\b/);
}

function conversationFiles(home: string): string[] {
  try {
    return readdirSync(join(home, "conversations")).filter((n) => n.endsWith(".jsonl"));
  } catch {
    return [];
  }
}

describe("an output that cannot be written is one line and exit code 5", () => {
  const cases: [string, string[]][] = [
    ["history list --json", ["history", "list", "--json"]],
    ["paths --json", ["paths", "--json"]],
    ["config list --effective", ["config", "list", "--effective"]],
  ];
  for (const [what, args] of cases) {
    it(`${what} >/dev/full`, async () => {
      const r = await runWithFiles(args, { stdout: "/dev/full" });
      assertOneLine(r, 5, /^parley: cannot write to stdout: the disk is full\n$/);
    });
  }

  it("a one-shot reply >/dev/full: exit 5, one line, the conversation still saved", async () => {
    const home = tempHome();
    const r = await runWithFiles(["-m", fixture("script"), "Hi"], { stdout: "/dev/full" }, home);
    assertOneLine(r, 5, /cannot write to stdout: the disk is full/);
    const [file] = conversationFiles(home);
    assert.ok(file, "the conversation was saved");
    assert.match(readFileSync(join(home, "conversations", file), "utf8"), new RegExp(SCRIPT_REPLY));
  });

  it("history export --output /dev/full and >/dev/full", async () => {
    const home = tempHome();
    const w = ConversationWriter.create({ model: { name: "m.gguf", path: "/m.gguf" } }, join(home, "conversations"));
    w.append({ role: "user", content: "hi" });
    w.close();
    const r = await runParley(["history", "export", w.id, "--output", "/dev/full"], { home });
    assertOneLine(r, 2, /^parley: cannot write \/dev\/full: the disk is full\n$/);
    const s = await runWithFiles(["history", "export", w.id], { stdout: "/dev/full" }, home);
    assertOneLine(s, 5, /^parley: cannot write to stdout: the disk is full\n$/);
  });

  it("stderr on /dev/full: no stack, the exit code of the error", async () => {
    const r = await runWithFiles(["--no-such-flag"], { stderr: "/dev/full" });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
  });

  const python = spawnSync("python3", ["-c", ""]).status === 0;
  it("a terminal that is gone (a pseudo-terminal whose other end closed)", { skip: !python }, () => {
    const script = `
import os, pty, subprocess, sys
m, s = pty.openpty()
os.close(m)
p = subprocess.run(sys.argv[1:], stdout=s, stderr=subprocess.PIPE)
sys.stdout.write(f"{p.returncode}\\n{p.stderr.decode()}")`;
    const r = spawnSync("python3", ["-c", script, process.execPath, BIN, "paths", "--json"], {
      env: { ...process.env, PARLEY_HOME: tempHome() },
      encoding: "utf8",
    });
    assert.equal(r.stdout, "5\nparley: cannot write to stdout: an input/output error occurred\n");
  });

  it("a reader that goes away is still quiet and exit 0", async () => {
    const child = spawn(process.execPath, [BIN, "paths"], {
      env: { ...process.env, PARLEY_HOME: tempHome() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.destroy();
    const r = await collect(child);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
  });
});

describe("every input is bounded and special files are refused in one line", () => {
  const fifo = join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  const big = join(dir, "big.txt");
  writeFileSync(big, Buffer.alloc(1024 * 1024 + 1, 0x61));
  const cases: [string, () => string, RegExp][] = [
    [
      "/dev/zero",
      () => "/dev/zero",
      /^parley: cannot read system prompt file \/dev\/zero: it is larger than the 1 MiB limit\n$/,
    ],
    ["a pipe", () => fifo, /: it is a pipe, not a file\n$/],
    ["a directory", () => dir, /: it is a directory, not a file\n$/],
    ["a file over 1 MiB", () => big, /big\.txt: it is larger than the 1 MiB limit\n$/],
  ];
  for (const [what, path, pattern] of cases) {
    it(`prompts add --file ${what}`, async () => {
      assertOneLine(await runParley(["prompts", "add", "x", "--file", path()], { timeoutMs: 20_000 }), 2, pattern);
    });
  }

  it("stdin from /dev/zero stops at 16 MiB", async () => {
    const r = await runWithFiles(["-m", fixture("script")], { stdin: "/dev/zero" });
    assertOneLine(r, 2, /^parley: stdin is larger than the 16 MiB limit\n$/);
  });

  it("a config.json that is a directory, a pipe or too large", async () => {
    for (const [make, pattern] of [
      [(p: string) => mkdirSync(p), /config file .*config\.json: it is a directory, not a file/],
      [(p: string) => execFileSync("mkfifo", [p]), /config file .*config\.json: it is a pipe, not a file/],
      [(p: string) => writeFileSync(p, `{"x":"${"y".repeat(1024 * 1024)}"}`), /larger than the 1 MiB limit/],
    ] as const) {
      const home = tempHome();
      make(join(home, "config.json"));
      assertOneLine(await runParley(["config", "list"], { home, timeoutMs: 20_000 }), 2, pattern);
    }
  });
});

describe("JSON read the same way from every source", () => {
  it("config.json with a byte-order mark is read, updated and listed", async () => {
    const home = tempHome();
    const path = join(home, "config.json");
    writeFileSync(path, '\ufeff{"temperature": 0.5}\n');
    let r = await runParley(["config", "get", "temperature"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "0.5");
    r = await runParley(["config", "set", "top-k", "7"], { home });
    assert.equal(r.code, 0, r.stderr);
    r = await runParley(["config", "list", "--json"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { temperature: 0.5, "top-k": 7 });
  });
});

describe("crashed writers leave nothing in the way", () => {
  function deadPid(): number {
    const r = spawnSync(process.execPath, ["-e", ""]);
    return r.pid;
  }
  const lockOf = (pid: number) =>
    JSON.stringify({ pid, host: hostname(), nonce: "00ff00ff00ff00ff", time: new Date().toISOString() });

  it("config set takes over a fresh lock left by a killed run", async () => {
    const home = tempHome();
    writeFileSync(join(home, "config.json.lock"), lockOf(deadPid()));
    const r = await runParley(["config", "set", "temperature", "0.3"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(home).sort(), ["config.json"]);
  });

  it("prompts add takes over a fresh lock left by a killed run", async () => {
    const home = tempHome();
    writeFileSync(join(home, "presets.json.lock"), lockOf(deadPid()));
    const r = await runParley(["prompts", "add", "p", "be", "brief"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(home).sort(), ["presets.json"]);
  });

  it("a folder or a dangling link where a lock goes: one line, never a hang", async () => {
    for (const make of [(p: string) => mkdirSync(p), (p: string) => symlinkSync(join(p, "nowhere", "x"), p)]) {
      const home = tempHome();
      make(join(home, "config.json.lock"));
      const r = await runParley(["config", "set", "temperature", "0.3"], { home, timeoutMs: 20_000 });
      assertOneLine(r, 1, /config\.json\.lock is in the way: it is not a lock file \(remove it\)/);
    }
  });

  it("-c with the conversation's lock in the way: the reply is printed, and it says it was not saved", async () => {
    const home = tempHome();
    const first = await runParley(["-m", fixture("script"), "Hi"], { home });
    assert.equal(first.code, 0, first.stderr);
    const [file] = readdirSync(join(home, "conversations")).filter((f) => f.endsWith(".jsonl"));
    const before = readFileSync(join(home, "conversations", file!), "utf8");
    mkdirSync(join(home, "conversations", file!.replace(/\.jsonl$/, ".lock")));
    const r = await runParley(["-m", fixture("script"), "-c", "again"], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
    assert.match(
      r.stderr,
      /^parley: the conversation was not saved: .*\.lock is in the way: it is not a lock file \(remove it\)$/m,
    );
    assert.equal(
      readFileSync(join(home, "conversations", file!), "utf8"),
      before,
      "the saved conversation is untouched",
    );
  });

  it("a live owner's lock is waited for, then refused in one line", async () => {
    const home = tempHome();
    writeFileSync(join(home, "config.json.lock"), lockOf(process.pid));
    const r = await runParley(["config", "set", "temperature", "0.3"], { home });
    assertOneLine(r, 1, new RegExp(`config\\.json is in use by another parley \\(process ${process.pid}\\)`));
  });
});

describe("a home that cannot be written does not cost the answer", () => {
  it("PARLEY_HOME below a regular file: the reply is printed", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const r = await runParley(["-m", fixture("script"), "Hi"], { home: join(file, "home") });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
    const j = await runParley(["-m", fixture("script"), "--json", "Hi"], { home: join(file, "home") });
    assert.equal(j.code, 0, j.stderr);
    assert.equal(
      (JSON.parse(j.stdout) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
      SCRIPT_REPLY,
    );
  });
});

describe("control characters never reach the terminal raw in JSON", () => {
  const RAW = /[\u007f-\u009f\u2028\u2029]/;
  for (const mode of ["--json", "--jsonl"]) {
    it(mode, async () => {
      const r = await runParley(["-m", fixture("escapes"), mode, "Hi"]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, RAW);
      assert.match(r.stdout, /\\u009b31m/);
      const text =
        mode === "--json"
          ? (JSON.parse(r.stdout) as { choices: { message: { content: string } }[] }).choices[0]?.message.content
          : r.stdout
              .trim()
              .split("\n")
              .map(
                (l) =>
                  (JSON.parse(l) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "",
              )
              .join("");
      assert.match(text ?? "", /\u009b31m/);
    });
  }
});
