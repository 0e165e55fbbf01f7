import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { BIN, runParley } from "../helpers/cli.ts";
import { fixture } from "../helpers/fixtures.ts";
import { homeWithModels } from "../helpers/models-folder.ts";

const SPEC = {
  models: { script: "script", llama3: "llama3", plain: "no-template" },
  broken: { broken: "truncated", notgguf: "wrong-magic" },
} as const;

describe("parley models list / info / rm / alias", () => {
  it("lists models from their headers; damaged files are listed as damaged", async () => {
    const { home } = homeWithModels({ ...SPEC, aliases: { fast: "script.gguf" } });
    const r = await runParley(["models", "list"], { home });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^NAME +ALIAS +SIZE +ARCH +PARAMS +QUANT +CONTEXT +TEMPLATE$/);
    assert.match(
      lines[1] ?? "",
      /^broken +- +137 kB +damaged +- +- +- +- +the file is shorter than its tensors need \(truncated\)$/,
    );
    assert.match(lines[2] ?? "", /^llama3 +- +274 kB +llama +66K +F32 +512 +llama3$/);
    assert.match(lines[3] ?? "", /^notgguf +- +273 kB +damaged .*not a GGUF file/);
    assert.match(lines[4] ?? "", /^plain +- +\d+ kB +llama +66K +F32 +512 +none$/);
    assert.match(lines[5] ?? "", /^script +fast +273 kB +llama +66K +F32 +512 +chatml$/);
    const json = JSON.parse((await runParley(["models", "list", "--json"], { home })).stdout);
    assert.equal(json.length, 5);
    const script = json.find((m: { name: string }) => m.name === "script");
    assert.deepEqual(
      { ...script, path: undefined },
      {
        name: "script",
        file: "script.gguf",
        path: undefined,
        aliases: ["fast"],
        size: statSync(fixture("script")).size,
        architecture: "llama",
        parameters: 66_368,
        quantization: "F32",
        contextLength: 512,
        chatTemplate: "chatml",
        title: "parley-fixture",
        location: "local",
      },
    );
    assert.equal(
      json.find((m: { name: string }) => m.name === "broken").damaged,
      "the file is shorter than its tensors need (truncated)",
    );
  });

  it("reads headers itself: listing loads neither node-llama-cpp nor conf", () => {
    const { home } = homeWithModels(SPEC);
    const trace = join(mkdtempSync(join(tmpdir(), "parley-trace-")), "modules.txt");
    const r = spawnSync(
      process.execPath,
      ["--import", fileURLToPath(new URL("../helpers/import-trace.mjs", import.meta.url)), BIN, "models", "list"],
      { encoding: "utf8", env: { ...process.env, PARLEY_HOME: home, PARLEY_IMPORT_TRACE: trace } },
    );
    assert.equal(r.status, 0, r.stderr);
    const modules = readFileSync(trace, "utf8").trim().split("\n");
    assert.ok(
      modules.some((m) => m.includes("/models/gguf-header.js")),
      "the trace works",
    );
    for (const heavy of ["/node-llama-cpp", "/conf/", "/ink/"]) {
      assert.ok(!modules.some((m) => m.includes(heavy)), `models list loaded ${heavy}`);
    }
  });

  it("an empty or missing folder lists nothing and says how to get a model", async () => {
    const { home } = homeWithModels({});
    const r = await runParley(["models", "list"], { home });
    assert.deepEqual([r.code, r.stdout], [0, ""]);
    assert.match(
      r.stderr,
      /^no models in .*models: pull one with `parley models pull <ref>` \(see `parley models recommend`\)\n$/,
    );
  });

  it("info shows metadata and memory at a context size; damaged and unknown models are plain errors", async () => {
    const { home } = homeWithModels({ ...SPEC, aliases: { fast: "script.gguf" } });
    const r = await runParley(["models", "info", "fast", "--context-size", "256"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^name {16}script$/m);
    assert.match(r.stdout, /^aliases {13}fast$/m);
    assert.match(r.stdout, /^chat template {7}chatml$/m);
    assert.match(r.stdout, /^training context {4}512$/m);
    assert.match(r.stdout, /^backend {13}(CPU|CUDA|Vulkan|Metal)/m);
    assert.match(r.stdout, /^memory at 256 {7}[\d.]+ [kMG]?B RAM of [\d.]+ GB: fits/m);
    const json = JSON.parse((await runParley(["models", "info", "script.gguf", "--json"], { home })).stdout);
    assert.equal(json.contextSize, 512);
    assert.equal(json.ram.fits, true);
    assert.ok(json.ram.needed > 0);

    const damaged = await runParley(["models", "info", "broken"], { home });
    assert.equal(damaged.code, 3);
    assert.equal(
      damaged.stderr,
      "parley: broken.gguf is damaged: the file is shorter than its tensors need (truncated)\n",
    );
    const unknown = await runParley(["models", "info", "scrip"], { home });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^parley: no model named "scrip" in .* \(did you mean script\?\)\n$/);
    const bad = await runParley(["models", "info", "script", "--context-size", "lots"], { home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid value for --context-size: "lots"/);
    // A path outside the folder works too.
    const byPath = await runParley(["models", "info", fixture("gemma")], { home });
    assert.equal(byPath.code, 0, byPath.stderr);
    assert.match(byPath.stdout, /^chat template {7}gemma$/m);
  });

  it("alias adds, lists, shows and removes; bad names and unknown models are refused", async () => {
    const { home, folder } = homeWithModels(SPEC);
    const run = (...args: string[]) => runParley(["models", "alias", ...args], { home });
    let r = await run("fast", "script");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "alias fast → script.gguf\n");
    r = await run("g", fixture("gemma"));
    assert.equal(r.code, 0, r.stderr);
    r = await run("later", "hf:someone/Some-GGUF:Q4_K_M");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(readFileSync(join(folder, "aliases.json"), "utf8")), {
      fast: "script.gguf",
      g: fixture("gemma"),
      later: "hf:someone/Some-GGUF:Q4_K_M",
    });
    r = await run();
    assert.match(r.stdout, /^fast +script\.gguf\ng +.*gemma\.gguf\nlater +hf:someone\/Some-GGUF:Q4_K_M\n$/);
    assert.equal((await run("fast")).stdout, "script.gguf\n");
    assert.match((await runParley(["models", "list"], { home })).stdout, /^script +fast +/m);

    for (const [args, pattern] of [
      [["bad name", "script"], /"bad name" cannot be an alias/],
      [["x.gguf", "script"], /cannot be an alias/],
      [["llama3", "script"], /there is already a model named "llama3"/],
      [["nothing", "no-such-model"], /no model named "no-such-model"/],
      [["--rm", "ghost"], /^parley: no alias "ghost"\n$/],
    ] as const) {
      const bad = await run(...args);
      assert.equal(bad.code, 2, args.join(" "));
      assert.match(bad.stderr, pattern);
    }
    r = await run("--rm", "g");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "removed alias g\n");
    assert.ok(!("g" in JSON.parse(readFileSync(join(folder, "aliases.json"), "utf8"))));
  });

  it("a damaged aliases file is a plain error naming it", async () => {
    const { home, folder } = homeWithModels(SPEC);
    writeFileSync(join(folder, "aliases.json"), "{ not json");
    const r = await runParley(["models", "list"], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^parley: the aliases file is not valid JSON: .*aliases\.json \(fix or delete it\)\n$/);
  });

  it("rm deletes a model and its aliases, by name, alias or file name; never outside the folder", async () => {
    const { home, folder } = homeWithModels({
      ...SPEC,
      aliases: { fast: "script.gguf", quick: "script.gguf", l: "llama3.gguf" },
    });
    let r = await runParley(["models", "rm", "fast"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "removed script.gguf and its aliases fast, quick\n");
    assert.ok(!existsSync(join(folder, "script.gguf")));
    assert.deepEqual(JSON.parse(readFileSync(join(folder, "aliases.json"), "utf8")), { l: "llama3.gguf" });
    r = await runParley(["models", "rm", "broken.gguf"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "removed broken.gguf\n");
    r = await runParley(["models", "rm", "script"], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^parley: no model "script" in /);
    r = await runParley(["models", "rm", fixture("gemma")], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /rm only deletes models \(\.gguf files\) in the models folder/);
    assert.ok(existsSync(fixture("gemma")));
  });

  it("recommend lists small instruct models with their hf: references", async () => {
    const r = await runParley(["models", "recommend"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Models that fit this machine's [\d.]+ GB of memory/);
    assert.match(r.stdout, /^NAME +SIZE +GOOD AT +PULL WITH$/m);
    assert.match(
      r.stdout,
      /Qwen2\.5 1\.5B Instruct \(default\) +990 MB .*parley models pull hf:bartowski\/Qwen2\.5-1\.5B-Instruct-GGUF:Q4_K_M --alias qwen2\.5-1\.5b$/m,
    );
    const json = JSON.parse((await runParley(["models", "recommend", "--json"])).stdout);
    assert.ok(json.models.length >= 1);
    for (const m of json.models) assert.match(m.ref, /^hf:[^/]+\/[^/:]+:Q4_K_M$/);
  });
});

describe("parley doctor", () => {
  it("reports versions, backend, memory, threads, paths and models; fails on damaged models with the fix", async () => {
    const { home } = homeWithModels(SPEC);
    const r = await runParley(["doctor"], { home });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^ {2}node-llama-cpp {3}\d+\.\d+\.\d+ \(loaded from parley's one-file copy\)$/m);
    assert.match(r.stdout, /^ {2}backend in use {3}(CPU|CUDA|Vulkan|Metal): /m);
    assert.match(r.stdout, /^ {2}CPU {14}.*: \d+ physical cores, \d+ logical$/m);
    assert.match(
      r.stdout,
      /^ {2}threads {10}(1 thread: one core|\d+ threads? to generate \(other programs keep [\d.]+ of \d+ cores? busy\).*)$/m,
    );
    assert.match(r.stdout, /^ {2}models folder {4}.*models$/m);
    assert.match(r.stdout, /^ {2}models {11}broken \(damaged\), llama3, notgguf \(damaged\), plain, script$/m);
    assert.match(
      r.stdout,
      /^FAIL {2}broken\.gguf is damaged: the file is shorter than its tensors need \(truncated\)\n {8}fix: parley models rm broken$/m,
    );
    assert.match(r.stdout, /^2 checks failed\.$/m);
    const json = JSON.parse((await runParley(["doctor", "--json"], { home })).stdout);
    assert.ok(["CPU", "CUDA", "Vulkan", "Metal"].includes(json.backend.chosen));
    assert.ok(json.cpu.threads >= 1);
    assert.ok(json.ram.total > 0);
    assert.equal(json.paths.home, home);
    assert.equal(json.models.length, 5);
    assert.deepEqual(
      json.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { fix: string }) => c.fix),
      ["parley models rm broken", "parley models rm notgguf"],
    );
  });

  it("passes on a healthy folder and says how to get a model when there is none", async () => {
    const healthy = await runParley(["doctor"], { home: homeWithModels({ models: { script: "script" } }).home });
    assert.equal(healthy.code, 0, healthy.stdout);
    assert.match(healthy.stdout, /All checks passed\.\n$/);
    const empty = await runParley(["doctor"], { home: homeWithModels({}).home });
    assert.equal(empty.code, 1);
    assert.match(
      empty.stdout,
      /FAIL {2}no models in .*\n {8}fix: parley models pull hf:bartowski\/Qwen2\.5-1\.5B-Instruct-GGUF:Q4_K_M --alias qwen2\.5-1\.5b/,
    );
  });
});
