import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildGguf } from "../fixtures/gguf-writer.ts";
import { collect, runParley, spawnParley, tempHome, waitFor } from "../helpers/cli.ts";
import { startModelServer, type ModelServer } from "../helpers/model-server.ts";

const BODY = buildGguf({ weights: "random" });
const SHA = createHash("sha256").update(BODY).digest("hex");

/** The files in the models folder a person would see (hidden download state left out). */
function visible(home: string): string[] {
  const dir = join(home, "models");
  return existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith(".")) : [];
}

function models(home: string): string[] {
  return visible(home).filter((n) => n.endsWith(".gguf"));
}

describe("parley models pull", () => {
  let server: ModelServer;
  before(async () => {
    server = await startModelServer();
  });
  after(() => server.close());

  it("downloads a URL with plain progress lines, checks it and gives it an alias", async () => {
    server.files.set("/a/plain.gguf", { body: BODY, pieceSize: 16_384, pauseMs: 2 });
    const home = tempHome();
    const r = await runParley(["models", "pull", `${server.url}/a/plain.gguf`, "--alias", "plain1", "--sha256", SHA], {
      home,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${join(home, "models", "plain.gguf")}\n`);
    assert.match(r.stderr, /^Downloading plain\.gguf \(395 kB\) from 127\.0\.0\.1:\d+$/m);
    const lines = r.stderr.split("\n").filter((l) => / kB \/ 395 kB +\d+%/.test(l));
    assert.ok(lines.length >= 3, r.stderr);
    assert.match(lines.at(-1) ?? "", /395 kB \/ 395 kB +100%/);
    assert.ok(!r.stderr.includes("\r") && !r.stderr.includes("\u001b"), "no terminal codes off a terminal");
    assert.match(r.stderr, /Checking the file\nSaved .*plain\.gguf \(395 kB\)\nalias plain1 → plain\n/);
    assert.deepEqual(readFileSync(join(home, "models", "plain.gguf")), BODY);
    assert.deepEqual(JSON.parse(readFileSync(join(home, "models", "aliases.json"), "utf8")), { plain1: "plain.gguf" });
    assert.ok(
      !existsSync(join(home, "models", ".downloads")) || readdirSync(join(home, "models", ".downloads")).length === 0,
    );

    // Pulling it again downloads nothing.
    const before = server.requests.length;
    const again = await runParley(["models", "pull", `${server.url}/a/plain.gguf`], { home });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already in the models folder: plain\.gguf/);
    assert.equal(server.requests.length, before);
  });

  it("a 404 is one plain line, exit 3, and leaves nothing behind", async () => {
    const home = tempHome();
    const r = await runParley(["models", "pull", `${server.url}/missing/model.gguf`], { home });
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /^parley: cannot download http:\/\/127\.0\.0\.1:\d+\/missing\/model\.gguf: the server answered 404/m,
    );
    assert.doesNotMatch(r.stderr, /Error|at .*\.js/);
    assert.deepEqual(visible(home), []);
    assert.ok(
      !existsSync(join(home, "models", ".downloads")) || readdirSync(join(home, "models", ".downloads")).length === 0,
    );
  });

  it("refuses a body that is not GGUF and saves nothing", async () => {
    server.files.set("/a/page.gguf", { body: Buffer.from("<!doctype html><p>Sign in to download</p>\n") });
    const home = tempHome();
    const r = await runParley(["models", "pull", `${server.url}/a/page.gguf`], { home });
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /parley: the file from .*page\.gguf is not a usable GGUF model \(not a GGUF file .*\); nothing was saved/,
    );
    assert.deepEqual(models(home), []);
  });

  it("refuses a truncated GGUF body", async () => {
    server.files.set("/a/half.gguf", { body: BODY.subarray(0, Math.floor(BODY.length / 2)) });
    const home = tempHome();
    const r = await runParley(["models", "pull", `${server.url}/a/half.gguf`], { home });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /shorter than its tensors need \(truncated\)\); nothing was saved/);
    assert.deepEqual(models(home), []);
  });

  it("refuses a wrong --sha256 and a malformed one", async () => {
    server.files.set("/a/sha.gguf", { body: BODY });
    const home = tempHome();
    const wrong = "0".repeat(64);
    const r = await runParley(["models", "pull", `${server.url}/a/sha.gguf`, "--sha256", wrong], { home });
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`has sha256 ${SHA}, not the expected ${wrong}; nothing was saved`));
    assert.deepEqual(models(home), []);
    const bad = await runParley(["models", "pull", `${server.url}/a/sha.gguf`, "--sha256", "xyz"], { home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^parley: --sha256 must be 64 hexadecimal digits\n$/);
  });

  it("a transfer cut once resumes with a range request in the same pull", async () => {
    server.files.set("/a/once.gguf", { body: BODY, cutAfter: 100_000, cutTimes: 1 });
    const home = tempHome();
    const mark = server.requests.length;
    const r = await runParley(["models", "pull", `${server.url}/a/once.gguf`], { home });
    assert.equal(r.code, 0, r.stderr);
    const gets = server.requests.slice(mark).filter((q) => q.method === "GET");
    assert.deepEqual(
      gets.map((q) => q.range),
      [undefined, "bytes=100000-"],
    );
    assert.deepEqual(readFileSync(join(home, "models", "once.gguf")), BODY);
  });

  it("a server that keeps closing mid-transfer leaves no model; the next pull resumes where it stopped", async () => {
    server.files.set("/a/cut.gguf", { body: BODY, cutAfter: 100_000, cutTimes: 1_000_000 });
    const home = tempHome();
    const r = await runParley(["models", "pull", `${server.url}/a/cut.gguf`], { home });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^parley: the connection to 127\.0\.0\.1:\d+ was lost 4 times in a row; pull it again to resume\n$/m,
    );
    assert.deepEqual(visible(home), [], "nothing half-written appears in the models folder");
    assert.equal(models(home).length, 0);

    const file = server.files.get("/a/cut.gguf");
    assert.ok(file);
    file.cutTimes = 0;
    const mark = server.requests.length;
    const again = await runParley(["models", "pull", `${server.url}/a/cut.gguf`], { home });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Downloading cut\.gguf \(395 kB\) from 127\.0\.0\.1:\d+, resuming at 100 kB/);
    const gets = server.requests.slice(mark).filter((q) => q.method === "GET");
    assert.deepEqual(
      gets.map((q) => q.range),
      ["bytes=100000-"],
    );
    assert.deepEqual(readFileSync(join(home, "models", "cut.gguf")), BODY);
    assert.deepEqual(readdirSync(join(home, "models", ".downloads")), []);
  });

  it("a server that stops sending is given up after the stall time, keeping what arrived", async () => {
    server.files.set("/a/hung.gguf", { body: BODY, hold: true });
    const home = tempHome();
    const r = await runParley(["models", "pull", `${server.url}/a/hung.gguf`], {
      home,
      env: { PARLEY_PULL_STALL_SECONDS: "1" },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /^parley: the download of .*hung\.gguf stopped: nothing arrived for 1 s; pull it again to resume\n$/m,
    );
    assert.deepEqual(models(home), []);
    server.files.delete("/a/hung.gguf");
  });

  it("an interrupted pull (Ctrl-C) keeps its progress and resumes", async () => {
    server.files.set("/a/slow.gguf", { body: BODY, pieceSize: 8192, pauseMs: 20 });
    const home = tempHome();
    const child = spawnParley(["models", "pull", `${server.url}/a/slow.gguf`], { home });
    child.stdin?.end();
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    const done = collect(child);
    await waitFor(() => / 30%| [4-9]\d%/.test(err), 30_000, "some progress");
    child.kill("SIGINT");
    const r = await done;
    assert.equal(r.code, 130, err);
    assert.match(err, /stopped; run the same command again to resume the download/);
    assert.deepEqual(models(home), []);
    const file = server.files.get("/a/slow.gguf");
    assert.ok(file);
    file.pauseMs = 0;
    const again = await runParley(["models", "pull", `${server.url}/a/slow.gguf`], { home });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /resuming at \d+/);
    assert.deepEqual(readFileSync(join(home, "models", "slow.gguf")), BODY);
  });

  it("two pulls of the same file at once: one downloads, the other waits, the file is whole", async () => {
    server.files.set("/a/twice.gguf", { body: BODY, hold: true });
    const home = tempHome();
    const url = `${server.url}/a/twice.gguf`;
    const first = spawnParley(["models", "pull", url], { home });
    first.stdin?.end();
    let firstErr = "";
    first.stderr?.on("data", (d: Buffer) => (firstErr += d.toString()));
    const firstDone = collect(first);
    await waitFor(() => firstErr.includes("Downloading twice.gguf"), 30_000, "the first pull to start");
    const second = spawnParley(["models", "pull", url], { home });
    second.stdin?.end();
    let secondErr = "";
    second.stderr?.on("data", (d: Buffer) => (secondErr += d.toString()));
    const secondDone = collect(second);
    await waitFor(() => secondErr.includes("Waiting: another parley"), 30_000, "the second pull to wait");
    server.release();
    const [a, b] = await Promise.all([firstDone, secondDone]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /already in the models folder: twice\.gguf/);
    assert.deepEqual(readFileSync(join(home, "models", "twice.gguf")), BODY);
    assert.deepEqual(models(home), ["twice.gguf"]);
  });

  it("resolves hf: references against the hub endpoint override (HF_ENDPOINT)", async () => {
    server.files.set("/someone/Tiny-GGUF/Tiny-Q4_K_M.gguf", { body: BODY });
    server.files.set("/someone/Tiny-GGUF/sub/Tiny-Q8_0.gguf", { body: BODY });
    server.manifests.set("someone/Tiny-GGUF:Q4_K_M", "Tiny-Q4_K_M.gguf");
    const home = tempHome();
    const env = { HF_ENDPOINT: server.url };
    const mark = server.requests.length;
    const r = await runParley(["models", "pull", "hf:someone/Tiny-GGUF:Q4_K_M", "--alias", "tiny"], { home, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Looking up hf:someone\/Tiny-GGUF:Q4_K_M\nDownloading (\S+\.gguf) \(395 kB\) from 127\.0\.0\.1:\d+/,
    );
    const paths = server.requests.slice(mark).map((q) => `${q.method} ${q.path}`);
    assert.ok(paths.includes("GET /v2/someone/Tiny-GGUF/manifests/Q4_K_M"), paths.join("\n"));
    assert.ok(
      paths.some((p) => p.endsWith(" /someone/Tiny-GGUF/resolve/main/Tiny-Q4_K_M.gguf")),
      paths.join("\n"),
    );
    const [file] = models(home);
    assert.ok(file);
    assert.deepEqual(readFileSync(join(home, "models", file)), BODY);

    const byFile = await runParley(["models", "pull", "hf:someone/Tiny-GGUF/sub/Tiny-Q8_0.gguf"], { home, env });
    assert.equal(byFile.code, 0, byFile.stderr);
    assert.equal(models(home).length, 2);

    // Pulled references resolve offline afterwards, and an unknown quantization is a plain error.
    const offline = await runParley(["models", "pull", "hf:someone/Tiny-GGUF:Q4_K_M", "--offline"], { home, env });
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stderr, /already in the models folder/);
    const unknown = await runParley(["models", "pull", "hf:someone/Tiny-GGUF:Q2_K"], { home, env });
    assert.equal(unknown.code, 3);
    assert.match(
      unknown.stderr,
      /^parley: cannot download hf:someone\/Tiny-GGUF:Q2_K: the hub has no such model or quantization\n$/m,
    );
  });

  it("--offline and PARLEY_OFFLINE=1 forbid the network and name the reference", async () => {
    const home = tempHome();
    const mark = server.requests.length;
    for (const [args, env] of [
      [["--offline"], {}],
      [[], { PARLEY_OFFLINE: "1" }],
    ] as const) {
      const r = await runParley(["models", "pull", `${server.url}/a/plain.gguf`, ...args], { home, env });
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /^parley: http:\/\/127\.0\.0\.1:\d+\/a\/plain\.gguf is not in the models folder and pulling it needs the network, but parley is offline\n$/,
      );
    }
    assert.equal(server.requests.length, mark, "no request was made");
  });

  it("rejects what is not a download", async () => {
    const home = tempHome();
    for (const [ref, pattern] of [
      ["ftp://example.com/m.gguf", /only https:\/\/ \(or http:\/\/\) URLs, hf: references and local files/],
      ["hf:onlyuser", /is not a Hugging Face reference/],
      ["https://example.com/page.html", /does not name a \.gguf file/],
      ["some-name", /is not a download/],
    ] as const) {
      const r = await runParley(["models", "pull", ref], { home });
      assert.equal(r.code, 2, ref);
      assert.match(r.stderr, pattern);
    }
  });
});
