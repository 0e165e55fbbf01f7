import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { ModelError, UsageError } from "../../src/errors.ts";
import { describeModel, formatBytes, formatParameters, templateKind } from "../../src/models/describe.ts";
import { GgufFormatError, readGgufHeader } from "../../src/models/gguf-header.ts";
import { hubEndpoint } from "../../src/models/hub.ts";
import { progressReporter, progressText } from "../../src/models/progress.ts";
import { DEFAULT_MODEL, RECOMMENDED, recommendFor } from "../../src/models/recommend.ts";
import { parseModelRef, safeFileName } from "../../src/models/refs.ts";
import { offlineFromEnv, resolveModelRef } from "../../src/models/resolve.ts";
import { brokenFixture, fixture } from "../helpers/fixtures.ts";
import { homeWithModels } from "../helpers/models-folder.ts";

describe("model references", () => {
  it("tells paths, names, hf: references and URLs apart", () => {
    assert.deepEqual(parseModelRef("~/m/a.gguf"), { kind: "path", path: join(homedir(), "m/a.gguf") });
    assert.deepEqual(parseModelRef("./a.gguf"), { kind: "path", path: resolve("a.gguf") });
    assert.deepEqual(parseModelRef("/x/a.gguf"), { kind: "path", path: "/x/a.gguf" });
    assert.deepEqual(parseModelRef("qwen"), { kind: "name", name: "qwen" });
    assert.deepEqual(parseModelRef("qwen.gguf"), { kind: "name", name: "qwen.gguf" });
    assert.deepEqual(parseModelRef("hf:user/Repo-GGUF:Q4_K_M"), {
      kind: "hf",
      ref: "hf:user/Repo-GGUF:Q4_K_M",
      user: "user",
      repo: "Repo-GGUF",
      quant: "Q4_K_M",
    });
    assert.deepEqual(parseModelRef("hf:user/Repo-GGUF"), {
      kind: "hf",
      ref: "hf:user/Repo-GGUF",
      user: "user",
      repo: "Repo-GGUF",
    });
    assert.deepEqual(parseModelRef("hf:user/Repo/dir/m.Q8_0.gguf"), {
      kind: "hf",
      ref: "hf:user/Repo/dir/m.Q8_0.gguf",
      user: "user",
      repo: "Repo",
      file: "dir/m.Q8_0.gguf",
    });
    assert.deepEqual(parseModelRef("https://host/a/b%20c.gguf?x=1"), {
      kind: "url",
      url: "https://host/a/b%20c.gguf?x=1",
      file: "b c.gguf",
    });
  });

  it("refuses references that cannot name a model, in plain words", () => {
    for (const [ref, pattern] of [
      ["", /empty/],
      ["hf:user", /not a Hugging Face reference/],
      ["hf:user/repo:", /not a Hugging Face reference/],
      ["hf:user/repo/readme.md", /not a Hugging Face reference/],
      ["https://host/", /does not name a \.gguf file/],
      ["s3://bucket/m.gguf", /only https:\/\//],
    ] as const) {
      assert.throws(
        () => parseModelRef(ref),
        (e: unknown) => e instanceof UsageError && pattern.test(e.message),
        ref,
      );
    }
  });

  it("makes safe file names", () => {
    assert.equal(safeFileName("a/b:c"), "a_b_c.gguf");
    assert.equal(safeFileName("..hidden.gguf"), "hidden.gguf");
    assert.equal(safeFileName("x\u001b[2J.gguf"), "x_[2J.gguf");
  });

  it("reads the hub endpoint override like node-llama-cpp (MODEL_ENDPOINT, then HF_ENDPOINT)", () => {
    assert.equal(hubEndpoint({}), "https://huggingface.co/");
    assert.equal(hubEndpoint({ HF_ENDPOINT: "http://127.0.0.1:9" }), "http://127.0.0.1:9/");
    assert.equal(hubEndpoint({ MODEL_ENDPOINT: "https://m.example/", HF_ENDPOINT: "http://x" }), "https://m.example/");
    assert.equal(hubEndpoint({ HF_ENDPOINT: "not a url" }), "https://huggingface.co/");
  });

  it("PARLEY_OFFLINE turns offline mode on", () => {
    assert.equal(offlineFromEnv({ PARLEY_OFFLINE: "1" }), true);
    assert.equal(offlineFromEnv({ PARLEY_OFFLINE: "true" }), true);
    assert.equal(offlineFromEnv({ PARLEY_OFFLINE: "0" }), false);
    assert.equal(offlineFromEnv({}), false);
  });
});

describe("GGUF headers", () => {
  it("reads metadata and tensors without loading weights", async () => {
    const header = await readGgufHeader(fixture("llama3"));
    assert.equal(header.version, 3);
    assert.equal(header.metadata.get("general.architecture"), "llama");
    assert.equal(header.expectedSize, header.fileSize);
    const summary = await describeModel(fixture("llama3"), "llama3.gguf", ["l3"]);
    assert.equal(summary.chatTemplate, "llama3");
    assert.equal(summary.contextLength, 512);
    assert.equal(summary.quantization, "F32");
    assert.equal(summary.architecture, "llama");
    assert.equal(summary.damaged, undefined);
  });

  it("describes each kind of damage instead of throwing", async () => {
    const expected = {
      truncated: "the file is shorter than its tensors need (truncated)",
      "truncated-header": "the file ends inside its header (truncated)",
      "wrong-magic": 'not a GGUF file (it does not start with "GGUF")',
      empty: "the file is empty",
    } as const;
    for (const [kind, reason] of Object.entries(expected)) {
      const path = brokenFixture(kind as keyof typeof expected);
      await assert.rejects(readGgufHeader(path), GgufFormatError);
      assert.equal((await describeModel(path, "x.gguf", [])).damaged, reason, kind);
    }
    assert.equal((await describeModel("/no/such/file.gguf", "file.gguf", [])).damaged, "cannot be read");
  });

  it("names templates and formats sizes", () => {
    assert.equal(templateKind(undefined), "none");
    assert.equal(templateKind("{{ '<|im_start|>' }}"), "chatml");
    assert.equal(templateKind("<start_of_turn>user"), "gemma");
    assert.equal(templateKind("{{ x }}"), "custom");
    assert.equal(formatBytes(999), "999 B");
    assert.equal(formatBytes(1_500_000), "1.5 MB");
    assert.equal(formatBytes(4_680_000_000), "4.7 GB");
    assert.equal(formatParameters(1_540_000_000), "1.5B");
    assert.equal(formatParameters(65_984), "66K");
  });
});

describe("download progress", () => {
  it("writes plain lines at each tenth off a terminal", () => {
    let text = "";
    const report = progressReporter({ write: (t: string) => (text += t), isTTY: false });
    report({ type: "start", ref: "r", from: "h", file: "m.gguf", size: 1000, resumedAt: 0 });
    for (let done = 0; done <= 1000; done += 50)
      report({ type: "progress", done, total: 1000, speed: 100, secondsLeft: (1000 - done) / 100 });
    report({ type: "checking" });
    report({ type: "done", path: "/m/m.gguf", size: 1000 });
    const lines = text.trimEnd().split("\n");
    assert.equal(lines[0], "Downloading m.gguf (1.0 kB) from h");
    assert.equal(lines.filter((l) => l.includes("% ")).length, 11);
    assert.equal(lines.at(-3), "1.0 kB / 1.0 kB  100%  100 B/s  00:00 left");
    assert.ok(!text.includes("\r"));
  });

  it("redraws one bar on a terminal, at most ten times a second", () => {
    let text = "";
    let now = 0;
    const report = progressReporter({ write: (t: string) => (text += t), isTTY: true, columns: 80 }, () => now);
    for (let done = 0; done <= 1000; done += 10) {
      now += 20;
      report({ type: "progress", done, total: 1000, speed: 500, secondsLeft: 2 });
    }
    report({ type: "done", path: "/m/m.gguf", size: 1000 });
    const draws = text.split("\r\u001b[2K").length - 1;
    assert.ok(draws >= 20 && draws <= 22, `draws: ${draws}`);
    assert.ok(text.includes("] 1.0 kB / 1.0 kB  100%  500 B/s  00:02 left\nSaved /m/m.gguf"), text);
    assert.equal(progressText(0, 0, 0, Infinity), "0 B / 0 B    0%  --/s  --:-- left");
  });

  it("a stopped pull ends the bar's line first, so what is said next starts on its own line", () => {
    let text = "";
    const report = progressReporter({ write: (t: string) => (text += t), isTTY: true, columns: 80 }, () => 1000);
    report({ type: "progress", done: 10, total: 1000, speed: 500, secondsLeft: 2 });
    report({ type: "stopped" });
    assert.ok(text.endsWith(" left\n"), JSON.stringify(text));
    report({ type: "stopped" });
    assert.ok(!text.endsWith("\n\n"), "no empty line when no bar is drawn");
  });
});

describe("file names parley creates", () => {
  it("never hold a control character, C1 and DEL included", () => {
    assert.equal(safeFileName("a\u001b[2Jb\u009b31m\u007fc.gguf"), "a_[2Jb_31m_c.gguf");
    assert.throws(() => parseModelRef("hf:user/re\u0085po:Q4"), UsageError);
    assert.throws(
      () => parseModelRef("https://example.com/%E0%A4%A.gguf"),
      (e: unknown) => e instanceof UsageError && /bad percent-encoding/.test(e.message),
    );
  });
});

describe("recommendations", () => {
  it("chooses by memory and always offers something", () => {
    assert.equal(recommendFor(64e9).fits.length, RECOMMENDED.length);
    assert.deepEqual(
      recommendFor(2e9).fits.map((r) => r.alias),
      ["qwen2.5-0.5b", "llama3.2-1b"],
    );
    assert.equal(recommendFor(1e8).fits.length, 1);
    assert.ok(RECOMMENDED.includes(DEFAULT_MODEL));
  });
});

describe("resolveModelRef", () => {
  const offline = { offline: true, interactive: false };

  it("finds models by file name, name, alias, path and ~", async () => {
    const { folder } = homeWithModels({
      models: { script: "script", llama3: "llama3" },
      aliases: { fast: "script.gguf", g: fixture("gemma") },
    });
    const opts = { ...offline, folder };
    assert.equal(await resolveModelRef("script", opts), join(folder, "script.gguf"));
    assert.equal(await resolveModelRef("script.gguf", opts), join(folder, "script.gguf"));
    assert.equal(await resolveModelRef("SCRIPT", opts), join(folder, "script.gguf"));
    assert.equal(await resolveModelRef("fast", opts), join(folder, "script.gguf"));
    assert.equal(await resolveModelRef("g", opts), fixture("gemma"));
    assert.equal(await resolveModelRef(fixture("gemma"), opts), fixture("gemma"));
    await assert.rejects(
      resolveModelRef("nothing", opts),
      (e: unknown) => e instanceof UsageError && /no model named "nothing"/.test(e.message),
    );
    await assert.rejects(
      resolveModelRef("/no/such.gguf", opts),
      (e: unknown) => e instanceof ModelError && /model file not found: \/no\/such\.gguf/.test(e.message),
    );
  });

  it("offline, a remote reference that is not here names itself and needs the network", async () => {
    const { folder } = homeWithModels({ models: { script: "script" } });
    await assert.rejects(
      resolveModelRef("hf:someone/Model-GGUF:Q4_K_M", { ...offline, folder }),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message ===
          "hf:someone/Model-GGUF:Q4_K_M is not in the models folder and getting it needs the network, but parley is offline (-m <file.gguf> uses a model file you have)",
    );
    // A file of the same name that was not downloaded from that URL is not taken for it.
    copyFileSync(fixture("script"), join(folder, "remote.gguf"));
    await assert.rejects(
      resolveModelRef("https://example.invalid/x/remote.gguf", { ...offline, folder }),
      (e: unknown) =>
        e instanceof UsageError && /is not in the models folder and getting it needs the network/.test(e.message),
    );
  });

  it("first run: the only model, or a list of several, or the pull command off a terminal", async () => {
    const one = homeWithModels({ models: { script: "script" } });
    assert.equal(await resolveModelRef(undefined, { ...offline, folder: one.folder }), join(one.folder, "script.gguf"));
    const several = homeWithModels({ models: { script: "script", llama3: "llama3" } });
    await assert.rejects(
      resolveModelRef(undefined, { ...offline, folder: several.folder }),
      (e: unknown) =>
        e instanceof UsageError &&
        /^several models are in .* \(llama3, script\): choose one with -m <name> or `parley config set model <name>`$/.test(
          e.message,
        ),
    );
    const none = homeWithModels({});
    await assert.rejects(
      resolveModelRef("", { offline: false, interactive: false, folder: none.folder }),
      (e: unknown) =>
        e instanceof UsageError &&
        e.exitCode === 2 &&
        e.message ===
          "no model yet: download the default one with `parley models pull hf:bartowski/Qwen2.5-1.5B-Instruct-GGUF:Q4_K_M --alias qwen2.5-1.5b`, or pass -m <file.gguf>",
    );
    let asked = "";
    await assert.rejects(
      resolveModelRef(undefined, {
        offline: false,
        interactive: true,
        folder: none.folder,
        ask: (q) => {
          asked = q;
          return Promise.resolve(false);
        },
      }),
      (e: unknown) => e instanceof UsageError && /^no model: download one with `parley models pull/.test(e.message),
    );
    assert.match(
      asked,
      /^No model yet\. Download Qwen2\.5 1\.5B Instruct \(about 990 MB\) from Hugging Face into .*\? \[Y\/n\] $/,
    );
  });

  it("a damaged model in the folder is a model error", async () => {
    const { folder } = homeWithModels({ broken: { bad: "wrong-magic" } });
    writeFileSync(join(folder, "empty.gguf"), "");
    await assert.rejects(
      resolveModelRef("bad", { ...offline, folder }),
      (e: unknown) => e instanceof ModelError && /does not start with "GGUF"/.test(e.message),
    );
    await assert.rejects(
      resolveModelRef("empty", { ...offline, folder }),
      (e: unknown) => e instanceof ModelError && /empty/.test(e.message),
    );
  });
});
