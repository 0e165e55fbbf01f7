import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { composePrompt } from "../../src/cli/request.ts";
import { readStdin } from "../../src/cli/stdin.ts";
import { buildOptions, withOpenMpWaits } from "../../src/engine/llama/local-build.ts";
import { jobContextSize } from "../../src/engine/llama/load.ts";
import { spawn } from "node:child_process";
import {
  busyBetween,
  defaultBatchThreads,
  defaultThreads,
  physicalCores,
  sampleCpu,
} from "../../src/engine/threads.ts";
import { checkModelFile } from "../../src/models/check-file.ts";
import { resolveModelRef } from "../../src/models/resolve.ts";
import { ModelError, UsageError } from "../../src/errors.ts";

describe("prompt composition", () => {
  it("puts stdin, a blank line, then the argument", () => {
    assert.equal(composePrompt("text\n\n", "summarise"), "text\n\nsummarise");
    assert.equal(composePrompt(undefined, "hi"), "hi");
    assert.equal(composePrompt("only stdin\n", undefined), "only stdin");
    assert.equal(composePrompt("  \n", "  "), undefined);
  });
});

describe("stdin", () => {
  it("decodes invalid UTF-8 with replacement characters", async () => {
    const text = await readStdin(Readable.from([Buffer.from([0x68, 0xff, 0x69])]));
    assert.equal(text, "h\ufffdi");
  });
  it("refuses input over the limit", async () => {
    await assert.rejects(readStdin(Readable.from([Buffer.alloc(10), Buffer.alloc(10)]), 15), UsageError);
  });
});

describe("threads", () => {
  it("counts physical cores from cpuinfo", () => {
    const cpuinfo = [
      "physical id\t: 0",
      "core id\t\t: 0",
      "",
      "physical id\t: 0",
      "core id\t\t: 0",
      "",
      "physical id\t: 0",
      "core id\t\t: 1",
    ].join("\n");
    assert.equal(physicalCores(cpuinfo), 2);
  });
  it("decodes on the free cores, at most 16", () => {
    assert.equal(defaultThreads(1, 0), 1);
    assert.equal(defaultThreads(2, 0), 2);
    assert.equal(defaultThreads(2, 1), 1);
    assert.equal(defaultThreads(4, 0), 4);
    assert.equal(defaultThreads(64, 0), 16);
  });
  it("counts the CPU time other programs used, not parley's own", () => {
    const a = { at: 10, machine: 100, own: 5 };
    assert.equal(busyBetween(a, { at: 12, machine: 103, own: 7 }), 0.5);
    assert.equal(busyBetween(a, { at: 12, machine: 102, own: 7 }), 0);
    assert.equal(busyBetween(a, { at: 10.1, machine: 103, own: 5 }), undefined, "too short a while");
    assert.equal(busyBetween(undefined, a), undefined);
  });
  it("sees a program that spins beside it", { skip: process.platform !== "linux" }, async () => {
    const from = sampleCpu();
    assert.ok(from, "/proc/stat and /proc/self/stat are readable");
    const spinner = spawn(process.execPath, ["-e", "const t = Date.now(); while (Date.now() - t < 5000) {}"]);
    await new Promise((r) => setTimeout(r, 1000));
    const busy = busyBetween(from, sampleCpu());
    spinner.kill();
    assert.ok(busy !== undefined && busy >= 0.3, `the spinning program kept ${busy} cores busy`);
  });
  it("reads prompts on the cores other programs leave free, never on fewer than it generates with", () => {
    assert.equal(defaultBatchThreads(1, 2, 0.1), 2);
    assert.equal(defaultBatchThreads(1, 2, 0.7), 1);
    assert.equal(defaultBatchThreads(1, 2, 40), 1);
    assert.equal(defaultBatchThreads(3, 4, 0), 4);
    assert.equal(defaultBatchThreads(7, 8, 3.2), 7);
    assert.equal(defaultBatchThreads(1, 1, 0), 1);
  });
});

describe("the local build's CMake options", () => {
  const cpuinfo = "processor\t: 0\nflags\t\t: fpu sse avx avx2 fma f16c avx512f amx_tile\nprocessor\t: 1\n";
  it("name the CPU features of /proc/cpuinfo on x86 Linux, OpenMP on, no -march=native", () => {
    assert.deepEqual(buildOptions(cpuinfo, "linux", "x64"), {
      GGML_OPENMP: "ON",
      GGML_NATIVE: "OFF",
      GGML_AVX: "ON",
      GGML_AVX2: "ON",
      GGML_FMA: "ON",
      GGML_F16C: "ON",
      GGML_AVX512: "ON",
      GGML_AVX512_VBMI: "OFF",
      GGML_AVX512_VNNI: "OFF",
      GGML_AVX512_BF16: "OFF",
      GGML_AVX_VNNI: "OFF",
    });
  });
  it("differ between CPUs, so a build never loads on a CPU it was not made for", () => {
    const older = cpuinfo.replace(" avx512f", "");
    assert.notDeepEqual(buildOptions(older, "linux", "x64"), buildOptions(cpuinfo, "linux", "x64"));
  });
  it("leave the CPU to the compiler elsewhere", () => {
    assert.deepEqual(buildOptions(cpuinfo, "darwin", "arm64"), { GGML_OPENMP: "ON" });
    assert.deepEqual(buildOptions("", "linux", "x64"), { GGML_OPENMP: "ON" });
  });
});

describe("a one-shot job's context", () => {
  const model = { tokenize: (text: string) => text.split(" ").filter(Boolean) as unknown as number[] };
  it("holds the text, a quarter more and 256 for the template, and the reply, in blocks of 256", () => {
    assert.equal(jobContextSize(model as never, { text: "one two", maxTokens: 8 }), 512);
    assert.equal(jobContextSize(model as never, { text: "w ".repeat(400), maxTokens: 700 }), 1536);
    assert.equal(jobContextSize(model as never, { text: "", maxTokens: 256 }), 512);
    assert.equal(jobContextSize(model as never, { text: "", maxTokens: 0 }), 256);
  });
  it("keeps a saved state's size when it holds the job, never a smaller one", () => {
    assert.equal(jobContextSize(model as never, { text: "one two", maxTokens: 8, orSize: 768 }), 768);
    assert.equal(jobContextSize(model as never, { text: "one two", maxTokens: 8, orSize: 100 }), 512);
    assert.equal(jobContextSize(model as never, { text: "w ".repeat(400), maxTokens: 700, orSize: 1280 }), 1536);
  });
  it("does not count a text too long for a default context: the default size, without a second tokenization", () => {
    let counted = 0;
    const counting = { tokenize: (text: string) => (counted++, model.tokenize(text)) };
    const huge = "w ".repeat(70_000);
    assert.equal(jobContextSize(counting as never, { text: huge, maxTokens: 5 }), Number.POSITIVE_INFINITY);
    assert.equal(counted, 0);
    assert.equal(jobContextSize(counting as never, { text: "w ".repeat(60_000), maxTokens: 5 }), 75_264);
    assert.equal(counted, 1);
  });
});

describe("OpenMP's waits while llama.cpp loads", () => {
  it("are set for the load only, and the user's own settings win", async () => {
    const env: NodeJS.ProcessEnv = {};
    const seen = await withOpenMpWaits(() => Promise.resolve({ ...env }), env);
    assert.deepEqual(seen, { OMP_WAIT_POLICY: "active", GOMP_SPINCOUNT: "300000" });
    assert.deepEqual(env, {}, "nothing is left for child processes");
    await assert.rejects(
      withOpenMpWaits(() => Promise.reject(new Error("no binary")), env),
      /no binary/,
    );
    assert.deepEqual(env, {});
    for (const own of [{ OMP_WAIT_POLICY: "passive" }, { GOMP_SPINCOUNT: "0" }]) {
      const mine: NodeJS.ProcessEnv = { ...own };
      assert.deepEqual(await withOpenMpWaits(() => Promise.resolve({ ...mine }), mine), own);
      assert.deepEqual(mine, own);
    }
  });
});

describe("model paths", () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-model-ref-"));
  it("refuses missing, directory, empty and non-GGUF files", async () => {
    const resolveModelPath = checkModelFile;
    await assert.rejects(resolveModelRef(undefined, { offline: true, interactive: false, folder: dir }), UsageError);
    assert.throws(() => resolveModelPath(join(dir, "missing.gguf")), /not found/);
    mkdirSync(join(dir, "folder.gguf"));
    assert.throws(() => resolveModelPath(join(dir, "folder.gguf")), /directory/);
    writeFileSync(join(dir, "empty.gguf"), "");
    assert.throws(() => resolveModelPath(join(dir, "empty.gguf")), /empty/);
    writeFileSync(join(dir, "text.gguf"), "hello world, not a model at all");
    assert.throws(
      () => resolveModelPath(join(dir, "text.gguf")),
      (e: unknown) => e instanceof ModelError && /GGUF/.test(e.message),
    );
    writeFileSync(join(dir, "short.gguf"), "GGUF");
    assert.throws(() => resolveModelPath(join(dir, "short.gguf")), /truncated/);
    await assert.rejects(
      resolveModelRef("hf:org/model:Q4_K_M", { offline: true, interactive: false, folder: dir }),
      UsageError,
    );
  });
});
