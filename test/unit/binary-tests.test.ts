/** The memory of llama.cpp binary tests: what a pass is kept under, and which tests are skipped. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { binaryTestKey, rememberingBinaryTests } from "../../src/engine/llama/binary-tests.ts";
import { MemoryFile } from "../../src/store/memory-file.ts";
import { catchLoaderMessages } from "../../src/engine/llama/node-llama-cpp.ts";

const CPU =
  "processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx2\n\nprocessor\t: 1\nmodel name\t: Some CPU\n";

function binary(): string {
  const dir = mkdtempSync(join(tmpdir(), "parley-binary-"));
  const file = join(dir, "llama-addon.node");
  writeFileSync(file, "not really a binary");
  return file;
}

describe("the key of a binary test", () => {
  it("names the binary file, node-llama-cpp's version and the machine", () => {
    const file = binary();
    const key = binaryTestKey(file, undefined, "3.22.1", CPU);
    assert.match(key ?? "", /^[0-9a-f]{64}$/);
    assert.equal(binaryTestKey(file, undefined, "3.22.1", CPU), key, "the same binary on the same machine");
    assert.notEqual(binaryTestKey(file, undefined, "3.22.2", CPU), key, "another node-llama-cpp");
    assert.notEqual(binaryTestKey(file, undefined, "3.22.1", CPU.replace("avx2", "avx512f")), key, "other CPU flags");
    assert.notEqual(binaryTestKey(file, undefined, "3.22.1", CPU.replace("Some", "Other")), key, "another CPU");
    assert.notEqual(binaryTestKey(file, file, "3.22.1", CPU), key, "with separate backends");
    const { atime, mtime } = statSync(file);
    utimesSync(file, atime, new Date(mtime.getTime() + 5000));
    assert.notEqual(binaryTestKey(file, undefined, "3.22.1", CPU), key, "the binary was replaced");
    writeFileSync(file, "a longer binary, same time");
    assert.notEqual(binaryTestKey(file, undefined, "3.22.1", CPU), key);
  });

  it("is undefined when the binary, its backends or the version cannot be described", () => {
    const file = binary();
    assert.equal(binaryTestKey(join(file, "..", "missing.node"), undefined, "3.22.1", CPU), undefined);
    assert.equal(binaryTestKey(file, join(file, ".."), "3.22.1", CPU), undefined, "a folder is not a binary");
    assert.equal(binaryTestKey(file, undefined, undefined, CPU), undefined);
  });
});

describe("remembered binary tests", () => {
  const setUp = () => {
    const file = binary();
    const memoryFile = join(file, "..", "binary-tests.json");
    const memory = new MemoryFile(memoryFile, "binary test memory");
    let runs = 0;
    const test = (result: boolean) => () => {
      runs++;
      return Promise.resolve(result);
    };
    return { file, memoryFile, gate: rememberingBinaryTests(memory, "3.22.1"), runs: () => runs, test };
  };

  it("runs a CPU binary's test once, then answers from memory", async () => {
    const s = setUp();
    assert.equal(await s.gate([s.file, undefined, false], s.test(true)), true);
    assert.equal(await s.gate([s.file, undefined, false], s.test(true)), true);
    assert.equal(await s.gate([s.file, undefined, false, undefined, false], s.test(true)), true);
    assert.equal(s.runs(), 1);
    assert.deepEqual(Object.values(JSON.parse(readFileSync(s.memoryFile, "utf8")) as object), ["passed"]);
    assert.equal(statSync(s.memoryFile).mode & 0o777, 0o600);
  });

  it("never keeps a failed test: it runs, and decides, every time", async () => {
    const s = setUp();
    assert.equal(await s.gate([s.file, undefined, false], s.test(false)), false);
    assert.equal(await s.gate([s.file, undefined, false], s.test(false)), false);
    assert.equal(s.runs(), 2);
    assert.equal(await s.gate([s.file, undefined, false], s.test(true)), true);
    assert.equal(s.runs(), 3);
  });

  it("always tests a GPU binary, and a binary it cannot describe", async () => {
    const s = setUp();
    for (const gpu of ["cuda", "vulkan", "metal"]) {
      await s.gate([s.file, undefined, gpu], s.test(true));
      await s.gate([s.file, undefined, gpu], s.test(true));
    }
    const missing = join(s.file, "..", "gone.node");
    await s.gate([missing, undefined, false], s.test(true));
    await s.gate([missing, undefined, false], s.test(true));
    assert.equal(s.runs(), 8);
  });

  it("a damaged memory file or a strange entry only means the test runs again", async () => {
    const s = setUp();
    await s.gate([s.file, undefined, false], s.test(true));
    const kept = JSON.parse(readFileSync(s.memoryFile, "utf8")) as Record<string, unknown>;
    const key = Object.keys(kept)[0]!;
    for (const content of ["{not json", "[]", JSON.stringify({ [key]: "failed" }), JSON.stringify({ [key]: true })]) {
      writeFileSync(s.memoryFile, content);
      assert.equal(await s.gate([s.file, undefined, false], s.test(true)), true);
    }
    assert.equal(s.runs(), 5);
    assert.equal(await s.gate([s.file, undefined, false], s.test(true)), true);
    assert.equal(s.runs(), 5, "the last run kept its pass again");
  });
});

describe("what node-llama-cpp writes while loading llama.cpp", () => {
  it("becomes plain sentences, with no stack; anything else passes through", async () => {
    const messages: string[] = [];
    const passed: unknown[][] = [];
    const before = console.error;
    const mine = (...args: unknown[]) => void passed.push(args);
    console.error = mine;
    try {
      const value = await catchLoaderMessages(async () => {
        const err = new Error("/x/Release/llama-addon.node: invalid ELF header\n    at Module._extensions..node");
        console.error('[node-llama-cpp] Failed to load a local build binary for platform "linux". Error:', err);
        console.warn("\u001b[90m[node-llama-cpp]\u001b[39m Falling back to prebuilt binaries");
        console.error("[node-llama-cpp] Failed to load a local build binary. Error:", err);
        console.log("[node-llama-cpp] Something new happened\nwith a second line");
        console.error("not node-llama-cpp's", 1);
        await Promise.resolve();
        return 42;
      }, messages);
      assert.equal(value, 42);
      assert.deepEqual(messages, [
        "parley's llama.cpp build for this CPU cannot be loaded (invalid ELF header), so the prebuilt one is used: parley doctor --build makes it again",
        "node-llama-cpp: Something new happened",
      ]);
      assert.deepEqual(passed, [["not node-llama-cpp's", 1]]);
      assert.equal(console.error, mine, "the console is given back as it was");
    } finally {
      console.error = before;
    }
  });

  it("gives the console back, also when the load fails", async () => {
    const saved = [console.error, console.warn, console.log, console.info];
    await assert.rejects(
      catchLoaderMessages(() => Promise.reject(new Error("no binary")), []),
      /no binary/,
    );
    assert.deepEqual([console.error, console.warn, console.log, console.info], saved);
  });
});
