import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { BIN } from "../helpers/cli.ts";

const TRACE = fileURLToPath(new URL("../helpers/import-trace.mjs", import.meta.url));
const YOUNG = fileURLToPath(new URL("../helpers/young-space-probe.mjs", import.meta.url));

function modulesLoadedBy(args: string[]): { stdout: string; modules: string[] } {
  const file = join(mkdtempSync(join(tmpdir(), "parley-trace-")), "modules.txt");
  const r = spawnSync(process.execPath, ["--import", TRACE, BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, PARLEY_IMPORT_TRACE: file },
  });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, modules: readFileSync(file, "utf8").trim().split("\n") };
}

describe("startup", () => {
  for (const flag of ["--help", "--version"]) {
    it(`${flag} loads neither node-llama-cpp, Ink, React nor conf`, () => {
      const { stdout, modules } = modulesLoadedBy([flag]);
      assert.ok(stdout.length > 0);
      assert.ok(
        modules.some((m) => m.includes("/commander/")),
        "the trace works",
      );
      for (const heavy of ["/node-llama-cpp", "/ink/", "/react/", "/conf/"]) {
        assert.ok(!modules.some((m) => m.includes(heavy)), `${flag} loaded ${heavy}`);
      }
    });
  }

  it("--version prints the package version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    assert.equal(modulesLoadedBy(["--version"]).stdout, `${pkg.version}\n`);
  });

  it("keeps V8's young generation from growing past its first 2 MB", () => {
    const file = join(mkdtempSync(join(tmpdir(), "parley-young-")), "young.txt");
    const r = spawnSync(process.execPath, ["--import", YOUNG, BIN, "--version"], {
      encoding: "utf8",
      env: { ...process.env, PARLEY_YOUNG_SPACE_FILE: file },
    });
    assert.equal(r.status, 0, r.stderr);
    const [size, kept] = readFileSync(file, "utf8").trim().split(" ").map(Number);
    assert.equal(kept, 400_000, "the probe kept its objects alive");
    assert.ok(size! <= 2 * 1024 * 1024, `young generation ${size} bytes`);
  });
});
