import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { Term } from "../e2e/tmux.ts";
import { buildGguf } from "../fixtures/gguf-writer.ts";
import { collect, tempHome } from "../helpers/cli.ts";
import { startModelServer, type ModelServer } from "../helpers/model-server.ts";

const BODY = buildGguf({ weights: "random" });
const DRIVER = fileURLToPath(new URL("../helpers/first-run-driver.mjs", import.meta.url));

describe("models on a terminal", () => {
  let server: ModelServer;
  const terms: Term[] = [];
  before(async () => {
    server = await startModelServer();
    server.files.set("/a/bar.gguf", { body: BODY, pieceSize: 8192, pauseMs: 15 });
    server.files.set("/bartowski/Qwen2.5-1.5B-Instruct-GGUF/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf", {
      body: BODY,
      pieceSize: 16_384,
      pauseMs: 5,
    });
    server.manifests.set("bartowski/Qwen2.5-1.5B-Instruct-GGUF:Q4_K_M", "Qwen2.5-1.5B-Instruct-Q4_K_M.gguf");
  });
  after(async () => {
    for (const t of terms) t.kill();
    await server.close();
  });

  it("pull draws one progress bar with bytes, speed and time left", async () => {
    const term = Term.start(["models", "pull", `${server.url}/a/bar.gguf`], { columns: 100, rows: 12 });
    terms.push(term);
    const midway = await term.waitFor(/\[#+-+\] \d+ kB \/ 395 kB +\d+% +[\d.]+ [kM]?B\/s +\d\d:\d\d left/, 30_000);
    assert.match(midway, /^Downloading bar\.gguf \(395 kB\) from 127\.0\.0\.1:\d+$/m);
    assert.equal(await term.waitForExit(30_000), 0);
    const screen = term.screen();
    assert.match(screen, /^\[#{10,}\] 395 kB \/ 395 kB {2}100% .*\nChecking the file\nSaved .*bar\.gguf \(395 kB\)$/m);
    // One bar, redrawn in place: no second bar line.
    assert.equal(screen.split("\n").filter((l) => l.startsWith("[")).length, 1, screen);
    assert.deepEqual(readFileSync(join(term.home, "models", "bar.gguf")), BODY);
  });

  it("Ctrl-C during a pull ends the progress line before saying it stopped", async () => {
    server.files.set("/a/stop.gguf", { body: BODY, pieceSize: 4096, pauseMs: 40 });
    const term = Term.start(["models", "pull", `${server.url}/a/stop.gguf`], { columns: 100, rows: 12 });
    terms.push(term);
    await term.waitFor(/\[#*-+\] \d+ kB \/ 395 kB/, 30_000);
    term.press("C-c");
    assert.equal(await term.waitForExit(30_000), 130);
    assert.match(
      term.screen(),
      /^\[[#-]+\] \d+ kB \/ 395 kB .* left(\^C)?\nstopped; run the same command again to resume the download$/m,
    );
  });

  it("first run with no model on a terminal offers the default model; Enter accepts and it is pulled", async () => {
    const term = Term.start([], { nodeArgs: [DRIVER], env: { HF_ENDPOINT: server.url }, columns: 120, rows: 14 });
    terms.push(term);
    const offer = await term.waitFor(/\[Y\/n\]/, 30_000);
    assert.match(
      offer,
      /No model yet\. Download Qwen2\.5 1\.5B Instruct \(about 990 MB\) from Hugging Face into .*models\? \[Y\/n\]/,
    );
    term.press("Enter");
    assert.equal(await term.waitForExit(30_000), 0);
    const screen = term.screen();
    assert.match(screen, /Downloading Qwen2\.5-1\.5B-Instruct-Q4_K_M\.gguf \(395 kB\) from 127\.0\.0\.1:\d+/);
    assert.match(screen, /model: .*models\/Qwen2\.5-1\.5B-Instruct-Q4_K_M\.gguf/);
    const aliases = JSON.parse(readFileSync(join(term.home, "models", "aliases.json"), "utf8"));
    assert.deepEqual(aliases, { "qwen2.5-1.5b": "Qwen2.5-1.5B-Instruct-Q4_K_M.gguf" });
  });

  it("first run answered n pulls nothing and says how to get a model", async () => {
    const term = Term.start([], { nodeArgs: [DRIVER], env: { HF_ENDPOINT: server.url }, columns: 200, rows: 14 });
    terms.push(term);
    await term.waitFor(/\[Y\/n\]/, 30_000);
    term.type("n");
    term.press("Enter");
    assert.equal(await term.waitForExit(30_000), 2);
    assert.match(
      term.screen(),
      /parley: no model: download one with `parley models pull hf:bartowski\/Qwen2\.5-1\.5B-Instruct-GGUF:Q4_K_M --alias qwen2\.5-1\.5b`/,
    );
  });

  it("Ctrl-C at the first-run offer stops without pulling", async () => {
    const mark = server.requests.length;
    const term = Term.start([], { nodeArgs: [DRIVER], env: { HF_ENDPOINT: server.url }, columns: 200, rows: 10 });
    terms.push(term);
    await term.waitFor(/\[Y\/n\]/, 30_000);
    term.press("C-c");
    assert.equal(await term.waitForExit(30_000), 130);
    assert.equal(server.requests.length, mark);
  });

  it("first run off a terminal exits 2 with the one command that pulls the default model", async () => {
    const mark = server.requests.length;
    const child = spawn(process.execPath, [DRIVER], {
      env: { ...process.env, PARLEY_HOME: tempHome(), HF_ENDPOINT: server.url, PARLEY_MODEL: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin.end();
    const r = await collect(child);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "parley: no model yet: download the default one with `parley models pull hf:bartowski/Qwen2.5-1.5B-Instruct-GGUF:Q4_K_M --alias qwen2.5-1.5b`, or pass -m <file.gguf>\n",
    );
    assert.equal(server.requests.length, mark);
  });
});
