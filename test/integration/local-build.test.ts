/**
 * `parley doctor --build` for real: llama.cpp compiled from the source inside node-llama-cpp, in a
 * copy of the project (so the repository's own node_modules keep the prebuilt binaries), then
 * loaded without the prebuilt binary's test in a child process. Takes 15 to 30 minutes on 2 cores.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { collect, tempHome, type RunResult } from "../helpers/cli.ts";
import { copyProject } from "../helpers/project-copy.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";
import { acquireLockSync } from "../../src/store/owner-lock.ts";

const FORK_TRACE = fileURLToPath(new URL("../helpers/fork-trace.mjs", import.meta.url));

describe("parley doctor --build (compiles llama.cpp: slow)", () => {
  let project = "";
  let home = "";
  const run = (args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<RunResult> => {
    const child = spawn(process.execPath, ["--import", FORK_TRACE, join(project, "bin", "parley.js"), ...args], {
      env: { ...process.env, PARLEY_HOME: home, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return collect(child, { timeoutMs });
  };
  /** Runs a one-shot reply and says whether node-llama-cpp forked its binary test. */
  const oneShot = async (): Promise<{ r: RunResult; forked: string[] }> => {
    const trace = join(home, `forks-${Date.now()}.txt`);
    writeFileSync(trace, "");
    const r = await run(["-m", fixture("script"), "--threads", "2", "Hi"], { PARLEY_FORK_TRACE: trace });
    return { r, forked: readFileSync(trace, "utf8").split("\n").filter(Boolean) };
  };

  before(() => {
    project = copyProject("parley-build-");
    home = tempHome();
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  it("starts from the prebuilt binary, which is tested in a child process on its first load", async () => {
    const doctor = await run(["doctor", "--json"]);
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.llamaBuild, "prebuilt");
    assert.ok(
      report.checks.some((c: { message: string }) => c.message.includes("parley doctor --build")),
      "doctor suggests the build",
    );
    const { r, forked } = await oneShot();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), SCRIPT_REPLY);
    assert.ok(
      forked.some((m) => m.includes("testBindingBinary")),
      `the trace sees the binary test: ${forked.join(", ")}`,
    );
  });

  it("refuses --build with --json or --remove-build (exit 2)", async () => {
    for (const args of [
      ["doctor", "--build", "--json"],
      ["doctor", "--build", "--remove-build"],
    ]) {
      const r = await run(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^parley: .*cannot be used with/);
    }
  });

  it("says in one line which tool is missing (exit 1)", async () => {
    const r = await run(["doctor", "--build"], { PATH: join(home, "empty-path") });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^parley: cannot build llama.cpp: cmake is missing \(install it and try again\)$/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it("a build under way elsewhere: --build and --remove-build refused in one line naming it (exit 1)", async () => {
    const lock = join(project, "node_modules", "node-llama-cpp", "llama", ".parley-build.lock");
    const release = acquireLockSync(lock, "the test's build");
    try {
      for (const args of [
        ["doctor", "--build"],
        ["doctor", "--remove-build"],
      ]) {
        const r = await run(args);
        assert.equal(r.code, 1, r.stderr);
        assert.equal(
          r.stderr,
          `parley: the llama.cpp build is in use by another parley (process ${process.pid}); try again when it has finished\n`,
        );
      }
    } finally {
      release();
    }
    // A lock left by a process that is gone is taken over: the removal runs (there is nothing to remove).
    writeFileSync(
      lock,
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), nonce: "gone", time: new Date().toISOString() }),
    );
    const r = await run(["doctor", "--remove-build"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^There was no local build/);
    assert.ok(!existsSync(lock), "the lock is given back");
  });

  it("builds llama.cpp offline, then loads it without the binary test and answers the same", async () => {
    const build = await run(["doctor", "--build"], {}, 90 * 60_000);
    assert.equal(build.code, 0, `${build.stderr}\n${readFileSync(join(home, "llama-build.log"), "utf8").slice(-3000)}`);
    assert.match(build.stdout, /^Built in [\d.]+ minutes/);
    assert.match(build.stderr, /compiling \d+\/\d+/);
    assert.ok(existsSync(join(home, "llama-build.log")));

    const report = JSON.parse((await run(["doctor", "--json"])).stdout);
    assert.equal(report.llamaBuild, "localBuild", "parley loads its own build");
    assert.ok(!report.checks.some((c: { message: string }) => c.message.includes("parley doctor --build")));

    // The prebuilt binary's pass is remembered from the first test: forget it, so that loading the
    // prebuilt binary instead of the local build would show as its test again.
    rmSync(join(home, "binary-tests.json"), { force: true });
    const { r, forked } = await oneShot();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), SCRIPT_REPLY, "the local build computes what the prebuilt one does");
    assert.deepEqual(
      forked.filter((m) => m.includes("testBindingBinary")),
      [],
      "the prebuilt binary (and its test) was loaded instead of the local build",
    );

    // `models info` asks the same llama.cpp about memory.
    const trace = join(home, "forks-info.txt");
    writeFileSync(trace, "");
    const info = await run(["models", "info", fixture("script"), "--json"], { PARLEY_FORK_TRACE: trace });
    assert.equal(info.code, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout).backend, "CPU");
    assert.equal(readFileSync(trace, "utf8"), "", "models info loaded the prebuilt binary");
  });

  /** Replaces one file of the local build with `damaged(original)` while `check` runs, then puts it back. */
  const withDamagedFile = async (name: string, damaged: (original: Buffer) => Buffer, check: () => Promise<void>) => {
    const builds = join(project, "node_modules", "node-llama-cpp", "llama", "localBuilds");
    const [folder] = readdirSync(builds);
    const file = join(builds, folder!, "Release", name);
    const original = readFileSync(file);
    writeFileSync(file, damaged(original));
    try {
      await check();
    } finally {
      writeFileSync(file, original);
    }
  };
  /** The prebuilt binary answers with `note` as one plain line, and doctor fails a check on `failing`. */
  const prebuiltAnswersSaying = async (note: RegExp, failing: RegExp) => {
    const { r } = await oneShot();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), SCRIPT_REPLY);
    assert.match(r.stderr, note);
    assert.doesNotMatch(r.stderr, /\n\s+at |node-llama-cpp\]|ERR_DLOPEN/);
    const doctor = await run(["doctor", "--json"]);
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.llamaBuild, "prebuilt");
    assert.ok(
      report.checks.some((c: { ok: boolean; message: string }) => !c.ok && failing.test(c.message)),
      doctor.stdout,
    );
    assert.doesNotMatch(doctor.stderr, /\n\s+at |node-llama-cpp\]/);
  };

  it("a local build that does not load: one plain line, the prebuilt binary answers, doctor says why", async () => {
    await withDamagedFile(
      "llama-addon.node",
      (original) => Buffer.alloc(original.length, 0x5a),
      () =>
        prebuiltAnswersSaying(
          /^parley: parley's llama\.cpp build for this CPU cannot be loaded \(invalid ELF header\), so the prebuilt one is used: parley doctor --build makes it again$/m,
          /build for this CPU cannot be loaded/,
        ),
    );
  });

  it("a local build with a library cut short: no bus error, one plain line, doctor says why", async () => {
    await withDamagedFile(
      "libggml-cpu.so",
      (original) => original.subarray(0, original.length - 100),
      () =>
        prebuiltAnswersSaying(
          /^parley: parley's llama\.cpp build for this CPU is damaged \(libggml-cpu\.so is cut short\), so the prebuilt one is used: parley doctor --build makes it again$/m,
          /is damaged/,
        ),
    );
    const { r } = await oneShot();
    assert.doesNotMatch(r.stderr, /damaged/, "the whole file is the build again");
  });

  it("--remove-build goes back to the prebuilt binary", async () => {
    const r = await run(["doctor", "--remove-build"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Removed the local build of llama.cpp/);
    const report = JSON.parse((await run(["doctor", "--json"])).stdout);
    assert.equal(report.llamaBuild, "prebuilt");
    const again = await run(["doctor", "--remove-build"]);
    assert.match(again.stdout, /^There was no local build/);
  });
});
