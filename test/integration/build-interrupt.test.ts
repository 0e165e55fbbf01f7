/**
 * An interrupted `parley doctor --build` leaves nothing behind: stopped with a signal it removes
 * its half-made build and says so; killed outright, the next parley removes what it left and says
 * so in one line. In a copy of the project, so the repository's node_modules stay as they are.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { collect, tempHome, waitFor } from "../helpers/cli.ts";
import { copyProject } from "../helpers/project-copy.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

describe("an interrupted llama.cpp build", () => {
  let project = "";
  let llama = "";
  const home = tempHome();
  const start = (args: string[]) =>
    spawn(process.execPath, [join(project, "bin", "parley.js"), ...args], {
      env: { ...process.env, PARLEY_HOME: home, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });

  before(() => {
    project = copyProject("parley-build-stop-");
    llama = join(project, "node_modules", "node-llama-cpp", "llama");
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`stopped by ${signal} while it copies the source or compiles, removes what it wrote`, async () => {
      const child = start(["doctor", "--build"]);
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const done = collect(child, { timeoutMs: 240_000 });
      // SIGTERM once the compilers run (they must stop too), SIGINT while the source is copied.
      if (signal === "SIGTERM") await waitFor(() => /^compiling/m.test(stderr), 170_000, "the compile step");
      else await waitFor(() => existsSync(join(llama, "llama.cpp")), 120_000, "the copied source");
      child.kill(signal);
      const r = await done;
      assert.equal(r.code, signal === "SIGTERM" ? 143 : 130, stderr);
      assert.match(stderr, /^stopped: the partial build was removed \(\d+ MB freed\)$/m);
      assert.doesNotMatch(stderr, /error/i);
      for (const part of ["llama.cpp", "localBuilds", "lastBuild.json", ".parley-build-running"])
        assert.equal(existsSync(join(llama, part)), false, part);
    });
  }

  it("killed outright, is removed by the next parley, which says so in one line", async () => {
    // A build whose process is gone: its marker names a process that has exited.
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    writeFileSync(join(llama, ".parley-build-running"), JSON.stringify({ pid: Number(gone) }));
    mkdirSync(join(llama, "localBuilds", "half"), { recursive: true });
    writeFileSync(join(llama, "localBuilds", "half", "libllama.so"), Buffer.alloc(3_000_000));
    mkdirSync(join(llama, "llama.cpp"));
    const r = await collect(start(["-m", fixture("script"), "Hi"]));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
    assert.match(
      r.stderr,
      /^parley: an unfinished `parley doctor --build` had left a partial llama\.cpp build behind; it was removed \(3 MB freed\)$/m,
    );
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    for (const part of ["llama.cpp", "localBuilds", ".parley-build-running"])
      assert.equal(existsSync(join(llama, part)), false, part);
    const again = await collect(start(["-m", fixture("script"), "Hi"]));
    assert.equal(again.stderr, "");
  });

  it("a build still running (its process alive) is left alone", async () => {
    writeFileSync(join(llama, ".parley-build-running"), JSON.stringify({ pid: process.pid }));
    mkdirSync(join(llama, "llama.cpp"));
    const r = await collect(start(["-m", fixture("script"), "Hi"]));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(llama, "llama.cpp")));
    rmSync(join(llama, "llama.cpp"), { recursive: true });
    rmSync(join(llama, ".parley-build-running"));
  });
});
