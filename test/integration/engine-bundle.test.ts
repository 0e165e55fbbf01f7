/**
 * node-llama-cpp loaded from parley's one-file copy (dist/vendor, written by `npm run build`), and
 * from node_modules when the copy does not fit. Runs in a copy of the project that loads the
 * prebuilt llama.cpp binary, so node-llama-cpp's binary test in a child process is exercised too.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { collect, tempHome, type RunResult } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";
import { copyProject } from "../helpers/project-copy.ts";

const IMPORT_TRACE = fileURLToPath(new URL("../helpers/import-trace.mjs", import.meta.url));
const FORK_TRACE = fileURLToPath(new URL("../helpers/fork-trace.mjs", import.meta.url));

interface Traced {
  r: RunResult;
  /** Modules the parley process itself resolved. */
  mine: string[];
  /** Modules other processes (node-llama-cpp's binary test) resolved. */
  children: string[];
  forked: string[];
}

describe("node-llama-cpp's one-file copy", () => {
  let project = "";
  let home = "";
  let vendor = "";

  const run = async (args: string[], runHome = home): Promise<Traced> => {
    const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const imports = join(home, `imports-${stamp}.txt`);
    const forks = join(home, `forks-${stamp}.txt`);
    writeFileSync(imports, "");
    writeFileSync(forks, "");
    const child = spawn(
      process.execPath,
      ["--import", IMPORT_TRACE, "--import", FORK_TRACE, join(project, "bin", "parley.js"), ...args],
      {
        env: {
          ...process.env,
          PARLEY_HOME: runHome,
          NO_COLOR: "1",
          PARLEY_IMPORT_TRACE: imports,
          PARLEY_FORK_TRACE: forks,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const r = await collect(child, { timeoutMs: 120_000 });
    const lines = readFileSync(imports, "utf8").split("\n").filter(Boolean);
    const of = (mine: boolean) =>
      lines.filter((l) => l.startsWith(`${child.pid} `) === mine).map((l) => l.slice(l.indexOf(" ") + 1));
    return { r, mine: of(true), children: of(false), forked: readFileSync(forks, "utf8").split("\n").filter(Boolean) };
  };
  const reply = (runHome = home) => run(["-m", fixture("script"), "--threads", "1", "Hi"], runHome);
  const testedBinary = (forked: string[]) => forked.some((f) => f.includes("testBindingBinary"));
  const loadedFrom = async (): Promise<unknown> =>
    (JSON.parse((await run(["doctor", "--json"])).r.stdout) as { nodeLlamaCppLoadedFrom?: unknown })
      .nodeLlamaCppLoadedFrom;
  const fromModules = (urls: string[]) => urls.some((u) => u.includes("/node_modules/node-llama-cpp/dist/"));
  const fromCopy = (urls: string[]) => urls.some((u) => u.endsWith("/dist/vendor/node-llama-cpp.js"));

  before(() => {
    project = copyProject("parley-bundle-");
    home = tempHome();
    vendor = join(project, "dist", "vendor");
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  it("a reply loads node-llama-cpp from the copy, never from node_modules, and so does the binary test", async () => {
    const { r, mine, children, forked } = await reply();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), SCRIPT_REPLY);
    assert.ok(fromCopy(mine), "the one-file copy was loaded");
    assert.ok(
      !fromModules(mine),
      `node_modules was loaded too: ${mine.filter((u) => u.includes("node-llama-cpp"))[0]}`,
    );
    // The prebuilt binary is tested in a child process that runs the copy's own test file.
    assert.deepEqual(
      forked.filter((f) => f.includes("testBindingBinary")).map((f) => f.replace(/\\/g, "/").replace(/.*\/dist\//, "")),
      ["vendor/testBindingBinary.js"],
    );
    assert.ok(children.length > 0, "the child process was traced");
    assert.ok(!fromModules(children), "the binary test loaded node-llama-cpp's modules");
    assert.equal(await loadedFrom(), "bundle");
  });

  it("the prebuilt binary is tested once per binary and machine; doctor always tests it", async () => {
    const own = tempHome();
    const memory = join(own, "binary-tests.json");
    const first = await reply(own);
    assert.equal(first.r.code, 0, first.r.stderr);
    assert.ok(testedBinary(first.forked), "the first load tests the binary");
    const kept = JSON.parse(readFileSync(memory, "utf8")) as Record<string, unknown>;
    assert.deepEqual(Object.values(kept), ["passed"]);
    assert.equal(statSync(memory).mode & 0o777, 0o600);
    for (let i = 0; i < 2; i++) {
      const again = await reply(own);
      assert.equal(again.r.code, 0, again.r.stderr);
      assert.equal(again.r.stdout.trim(), SCRIPT_REPLY);
      assert.equal(again.r.stderr, "");
      assert.ok(!testedBinary(again.forked), `load ${i + 2} tested the binary again: ${again.forked.join(", ")}`);
    }
    // (doctor exits 1 here: this home has no models.)
    const doctor = await run(["doctor", "--json"], own);
    assert.equal(
      (JSON.parse(doctor.r.stdout) as { nodeLlamaCppLoadedFrom?: unknown }).nodeLlamaCppLoadedFrom,
      "bundle",
    );
    assert.ok(testedBinary(doctor.forked), "doctor checks the binary for real");
    // Another machine, another binary, another node-llama-cpp: another key, so the test runs again.
    writeFileSync(memory, JSON.stringify({ ["0".repeat(64)]: "passed" }));
    const other = await reply(own);
    assert.equal(other.r.code, 0, other.r.stderr);
    assert.ok(testedBinary(other.forked));
    // A damaged memory is no memory.
    writeFileSync(memory, "\u0000{damaged");
    const damaged = await reply(own);
    assert.equal(damaged.r.code, 0, damaged.r.stderr);
    assert.equal(damaged.r.stdout.trim(), SCRIPT_REPLY);
    assert.ok(testedBinary(damaged.forked));
    assert.deepEqual(Object.values(JSON.parse(readFileSync(memory, "utf8")) as object), ["passed"]);
  });

  it("a copy made from another version of node-llama-cpp is not used", async () => {
    const manifest = join(vendor, "node-llama-cpp.json");
    const original = readFileSync(manifest, "utf8");
    writeFileSync(manifest, original.replace(/"version": "[^"]*"/, '"version": "0.0.1"'));
    try {
      assert.equal(await loadedFrom(), "modules");
      const { r, mine } = await reply();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), SCRIPT_REPLY);
      assert.ok(fromModules(mine) && !fromCopy(mine));
    } finally {
      writeFileSync(manifest, original);
    }
  });

  it("a damaged or incomplete copy is not used, and the reply still comes", async () => {
    const bundle = join(vendor, "node-llama-cpp.js");
    const original = readFileSync(bundle);
    truncateSync(bundle, Math.floor(original.length / 2));
    try {
      const { r, mine } = await reply();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), SCRIPT_REPLY);
      assert.equal(r.stderr, "");
      assert.ok(fromModules(mine));
    } finally {
      writeFileSync(bundle, original);
    }
    const test = join(vendor, "testBindingBinary.js");
    renameSync(test, `${test}.away`);
    try {
      assert.equal(await loadedFrom(), "modules", "without its binary test file the copy is not used");
      const { r } = await reply();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), SCRIPT_REPLY);
    } finally {
      renameSync(`${test}.away`, test);
    }
  });

  it("without node-llama-cpp installed, a reply is one plain line (exit 1) and --help still works", async () => {
    const installed = join(project, "node_modules", "node-llama-cpp");
    renameSync(installed, `${installed}.away`);
    try {
      const { r } = await reply();
      assert.equal(r.code, 1);
      assert.equal(r.stderr, "parley: node-llama-cpp is not installed: run npm install in parley's folder\n");
      assert.equal((await run(["--help"])).r.code, 0);
    } finally {
      renameSync(`${installed}.away`, installed);
    }
  });
});
