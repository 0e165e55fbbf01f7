import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cutShortLocalBuildFile, elfCutShort, installedBinaryOptions } from "../../src/engine/llama/local-build.ts";

// Any small ELF file of this machine serves: the test is about the file's own headers.
const ELF = "/bin/true";
const linux = process.platform === "linux";

describe("a local build's library cut short", { skip: !linux && "ELF files are Linux's" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-elf-"));

  it("an ELF file whole, cut by 100 bytes, cut in half, not ELF, empty", () => {
    const file = join(dir, "whole.so");
    copyFileSync(ELF, file);
    assert.equal(elfCutShort(file), false);
    const size = statSync(file).size;
    truncateSync(file, size - 100);
    assert.equal(elfCutShort(file), true, "the section headers are at the end");
    truncateSync(file, Math.floor(size / 2));
    assert.equal(elfCutShort(file), true);
    truncateSync(file, 40);
    assert.equal(elfCutShort(file), true, "even its first header is cut");
    writeFileSync(file, "not a library at all, the loader says so itself");
    assert.equal(elfCutShort(file), false);
    writeFileSync(file, "");
    assert.equal(elfCutShort(file), false);
    assert.equal(elfCutShort(join(dir, "missing.so")), false);
  });

  it("only a finished build's libraries count, by name", () => {
    const builds = join(dir, "localBuilds");
    const release = join(builds, "linux-x64-abc", "Release");
    mkdirSync(release, { recursive: true });
    for (const name of ["llama-addon.node", "libggml-cpu.so", "libllama.v0.5.0.abc.so"])
      copyFileSync(ELF, join(release, name));
    writeFileSync(join(release, "_nlcBuildMetadata.json"), "{}");
    assert.equal(cutShortLocalBuildFile(builds), undefined, "an unfinished build is node-llama-cpp's to skip");
    writeFileSync(join(builds, "linux-x64-abc", "buildDone.status"), "");
    assert.equal(cutShortLocalBuildFile(builds), undefined);
    truncateSync(join(release, "libllama.v0.5.0.abc.so"), 1000);
    assert.equal(cutShortLocalBuildFile(builds), "libllama.v0.5.0.abc.so");
    assert.equal(cutShortLocalBuildFile(join(dir, "no-builds")), undefined);
  });

  it("the options of the installed binary name no build folder when none is damaged", () => {
    const notes: string[] = [];
    const options = installedBinaryOptions(notes);
    assert.equal(options.build, "never");
    assert.equal("PARLEY_DAMAGED_BUILD_PASSED_OVER" in options.cmakeOptions, notes.length > 0);
  });
});
