import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildGguf } from "../fixtures/gguf-writer.ts";
import { BIN, collect, runParley, spawnParley, tempHome, waitFor } from "../helpers/cli.ts";
import { startModelServer, type ModelServer } from "../helpers/model-server.ts";

const BODY = buildGguf({ weights: "random" });
const OTHER = buildGguf({ weights: "random", seed: 7 });
const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

function models(home: string): string[] {
  const dir = join(home, "models");
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".gguf")) : [];
}

/** The id of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  const pid = child.pid ?? 0;
  await new Promise((r) => child.on("close", r));
  return pid;
}

// eslint-disable-next-line no-control-regex
const noRaw = (text: string): void => assert.doesNotMatch(text, /[\u001b\u0080-\u009f]/);

describe("downloads that cannot be fooled", () => {
  let server: ModelServer;
  before(async () => {
    server = await startModelServer();
  });
  after(() => server.close());

  it("a killed pull's lock is taken over by one waiter only: one transfer, a whole model", async () => {
    server.files.set("/k/killed.gguf", { body: BODY, hold: true });
    const home = tempHome();
    const url = `${server.url}/k/killed.gguf`;
    const downloads = join(home, "models", ".downloads");
    mkdirSync(downloads, { recursive: true });
    const key = createHash("sha256").update(url).digest("hex").slice(0, 16);
    const owner = { pid: await deadPid(), host: hostname(), nonce: "dead" };
    writeFileSync(join(downloads, `${key}.lock`), `${JSON.stringify(owner)}\n`);
    const pulls = [0, 1, 2].map(() => spawnParley(["models", "pull", url], { home }));
    const errs = pulls.map(() => "");
    pulls.forEach((p, i) => {
      p.stdin?.end();
      p.stderr?.on("data", (d: Buffer) => (errs[i] += d.toString()));
    });
    const done = Promise.all(pulls.map((p) => collect(p)));
    const gets = (): number => server.requests.filter((q) => q.path === "/k/killed.gguf" && q.method === "GET").length;
    await waitFor(
      () => gets() === 1 && errs.filter((e) => e.includes("Waiting: another parley")).length === 2,
      30_000,
      "one pull to download and two to wait",
    );
    server.release();
    const results = await done;
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assert.equal(gets(), 1, "only one transfer");
    assert.deepEqual(readFileSync(join(home, "models", "killed.gguf")), BODY);
    const list = await runParley(["models", "list"], { home });
    assert.doesNotMatch(list.stdout, /damaged/);
  });

  it("the sha256 the hub gives (x-linked-etag on the redirect, lfs.sha256 in the manifest) is checked", async () => {
    server.files.set("/cdn/body.gguf", { body: BODY });
    const redirect =
      (hash: string, size = BODY.length) =>
      (_req: unknown, res: ServerResponse) =>
        res.writeHead(302, { location: "/cdn/body.gguf", "x-linked-etag": `"${hash}"`, "x-linked-size": size }).end();
    server.routes.set("/hub/Good/resolve/main/good.gguf", redirect(sha(BODY)));
    server.routes.set("/hub/Bad/resolve/main/bad.gguf", redirect(sha(OTHER)));
    const home = tempHome();
    const env = { HF_ENDPOINT: server.url };
    const good = await runParley(["models", "pull", "hf:hub/Good/good.gguf"], { home, env });
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(readFileSync(join(home, "models", "good.gguf")), BODY);
    const bad = await runParley(["models", "pull", "hf:hub/Bad/bad.gguf"], { home, env });
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(
      bad.stderr,
      /has sha256 [0-9a-f]{64}, not the [0-9a-f]{64} the server gave \(it arrived damaged\); nothing was saved\n$/,
    );
    server.routes.set("/hub/Size/resolve/main/size.gguf", redirect(sha(BODY), BODY.length + 1));
    const size = await runParley(["models", "pull", "hf:hub/Size/size.gguf"], { home, env });
    assert.equal(size.code, 3, size.stderr);
    assert.match(size.stderr, /the file from .* is \d+ bytes, not the \d+ the server gave; nothing was saved\n$/);
    server.routes.set("/v2/hub/Lfs/manifests/Q4", (_req, res) =>
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ ggufFile: { rfilename: "lfs.gguf", lfs: { sha256: sha(OTHER), size: OTHER.length } } })),
    );
    server.files.set("/hub/Lfs/lfs.gguf", { body: BODY });
    const lfs = await runParley(["models", "pull", "hf:hub/Lfs:Q4"], { home, env });
    assert.equal(lfs.code, 3, lfs.stderr);
    assert.match(lfs.stderr, /it arrived damaged/);
    assert.deepEqual(models(home), ["good.gguf"]);
  });

  it("a different model with the same file name is saved under another name, never taken for the first", async () => {
    server.files.set("/one/same.gguf", { body: BODY });
    server.files.set("/two/same.gguf", { body: OTHER });
    server.files.set("/three/same.gguf", { body: BODY });
    const home = tempHome();
    const first = await runParley(["models", "pull", `${server.url}/one/same.gguf`], { home });
    assert.equal(first.code, 0, first.stderr);
    const second = await runParley(["models", "pull", `${server.url}/two/same.gguf`], { home });
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stderr,
      /^a different model named same\.gguf is already in the models folder: this one is saved as same-2\.gguf$/m,
    );
    assert.equal(second.stdout, `${join(home, "models", "same-2.gguf")}\n`);
    assert.deepEqual(readFileSync(join(home, "models", "same.gguf")), BODY);
    assert.deepEqual(readFileSync(join(home, "models", "same-2.gguf")), OTHER);
    // The same model from another address is the one already there (same hash): nothing new.
    const third = await runParley(["models", "pull", `${server.url}/three/same.gguf`], { home });
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stderr, /already in the models folder: same\.gguf/);
    assert.deepEqual(models(home).sort(), ["same-2.gguf", "same.gguf"]);
    // Each reference resolves offline to its own file.
    const again = await runParley(["models", "pull", `${server.url}/two/same.gguf`, "--offline"], { home });
    assert.equal(again.stdout, `${join(home, "models", "same-2.gguf")}\n`);
  });

  it("every request has a time limit and a size limit, the hub's manifest too", async () => {
    server.routes.set("/v2/slow/Hub/manifests/Q4", () => undefined); // Never answers.
    server.routes.set("/v2/big/Hub/manifests/Q4", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(`{"ggufFile":{"rfilename":"x.gguf"},"pad":"${"x".repeat(2 * 1024 * 1024)}"}`);
    });
    const env = { HF_ENDPOINT: server.url, PARLEY_PULL_STALL_SECONDS: "1" };
    const started = Date.now();
    const slow = await runParley(["models", "pull", "hf:slow/Hub:Q4"], { env, timeoutMs: 20_000 });
    assert.equal(slow.code, 3, slow.stderr);
    assert.match(
      slow.stderr,
      /^parley: cannot download hf:slow\/Hub:Q4: 127\.0\.0\.1:\d+ did not answer within 1 s\n$/m,
    );
    assert.ok(Date.now() - started < 15_000);
    for (const value of ["soon", "0", "-5", "1e9"]) {
      const r = await runParley(["models", "pull", "hf:slow/Hub:Q4"], {
        env: { ...env, PARLEY_PULL_STALL_SECONDS: value },
      });
      assert.equal(r.code, 2, value);
      assert.match(r.stderr, /^parley: invalid value for PARLEY_PULL_STALL_SECONDS: /, value);
    }
    // The limit is on waiting, not on the whole transfer: a slow body that keeps coming is fine.
    server.files.set("/slow/body.gguf", { body: BODY, pieceSize: 32_768, pauseMs: 250 });
    const steady = await runParley(["models", "pull", `${server.url}/slow/body.gguf`], { env });
    assert.equal(steady.code, 0, steady.stderr);
    assert.equal(server.requests.filter((q) => q.path === "/slow/body.gguf").length, 1, "one request, never cut");
    const big = await runParley(["models", "pull", "hf:big/Hub:Q4"], { env });
    assert.equal(big.code, 3, big.stderr);
    assert.match(big.stderr, /^parley: cannot download hf:big\/Hub:Q4: the server's answer is too large\n$/m);
  });

  it("a redirect loop, a bad percent-encoding and a hostile status line are one plain line", async () => {
    server.routes.set("/loop/a.gguf", (_req, res) => res.writeHead(302, { location: "/loop/b.gguf" }).end());
    server.routes.set("/loop/b.gguf", (_req, res) => res.writeHead(301, { location: "/loop/a.gguf" }).end());
    const loop = await runParley(["models", "pull", `${server.url}/loop/a.gguf`]);
    assert.equal(loop.code, 3, loop.stderr);
    assert.match(
      loop.stderr,
      /^parley: cannot download .*\/loop\/a\.gguf: the server redirects in a loop \(127\.0\.0\.1:\d+\)\n$/,
    );
    const bad = await runParley(["models", "pull", `${server.url}/x/%E0%A4%A.gguf`]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^parley: the URL ".*" has a bad percent-encoding/);
    assert.doesNotMatch(bad.stderr, /URIError|malformed/i);
    server.routes.set("/evil/status.gguf", (req) => {
      req.socket.write(
        Buffer.from("HTTP/1.1 500 Oops \u009b2J\u001b]0;x\u0007\r\ncontent-length: 0\r\n\r\n", "latin1"),
      );
      req.socket.end();
    });
    const evil = await runParley(["models", "pull", `${server.url}/evil/status.gguf`]);
    assert.equal(evil.code, 3, evil.stderr);
    noRaw(evil.stderr);
    const ctl = await runParley(["models", "pull", "hf:some\u001b[2Jone/repo:Q4"]);
    assert.equal(ctl.code, 2);
    noRaw(ctl.stderr);
  });

  it("a file where the models folder goes, and a write limit, are said as such, not as a lost connection", async () => {
    server.files.set("/d/disk.gguf", { body: BODY });
    const home = tempHome();
    writeFileSync(join(home, "models"), "not a folder");
    const inWay = await runParley(["models", "pull", `${server.url}/d/disk.gguf`], { home });
    assert.equal(inWay.code, 2, inWay.stderr);
    assert.match(inWay.stderr, /^parley: cannot read the models folder .*: it is a file, not a folder\n$/);
    const inside = tempHome();
    mkdirSync(join(inside, "models"));
    writeFileSync(join(inside, "models", ".downloads"), "not a folder");
    const deeper = await runParley(["models", "pull", `${server.url}/d/disk.gguf`], { home: inside });
    assert.equal(deeper.code, 1, deeper.stderr);
    assert.match(deeper.stderr, /^parley: cannot make the folder .*: a file is in the way of a folder\n$/);
    // A file size limit (ulimit -f) makes writes fail the way a full disk does.
    const limited = spawn(
      "bash",
      ["-c", `ulimit -f 100; exec "${process.execPath}" "${BIN}" models pull ${server.url}/d/disk.gguf`],
      {
        env: { ...process.env, PARLEY_HOME: tempHome() },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    limited.stdin.end();
    const r = await collect(limited);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^parley: cannot save the download in .*: the file is too large\n$/m);
    assert.doesNotMatch(r.stderr, /connection|EFBIG/);
  });

  it("a full disk (a 64 KiB tmpfs) and a read-only folder stop a pull with one plain line", async (t) => {
    const home = tempHome();
    const dir = join(home, "models");
    mkdirSync(dir);
    const mount = spawn("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "ignore" });
    const code = await new Promise<number | null>((r) => {
      mount.on("close", r);
      mount.on("error", () => r(-1));
    });
    if (code !== 0) {
      t.skip("mounting a tmpfs is not permitted here");
      return;
    }
    try {
      server.files.set("/d/full.gguf", { body: BODY });
      const r = await runParley(["models", "pull", `${server.url}/d/full.gguf`], { home });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^parley: cannot save the download in .*: the disk is full\n$/m);
      assert.deepEqual(models(home), []);
    } finally {
      await new Promise((r) => spawn("umount", [dir]).on("close", r));
    }
    // A read-only models folder.
    await new Promise((r) => spawn("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir]).on("close", r));
    try {
      const r = await runParley(["models", "pull", `${server.url}/d/full.gguf`], { home });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^parley: cannot make the folder .*: the file system is read-only\n$/m);
    } finally {
      await new Promise((r) => spawn("umount", [dir]).on("close", r));
    }
  });

  it("the first model pulled becomes the default; a second pull does not change it", async () => {
    server.files.set("/f/first.gguf", { body: BODY });
    server.files.set("/f/second.gguf", { body: OTHER });
    const home = tempHome();
    const config = (): unknown => JSON.parse(readFileSync(join(home, "config.json"), "utf8"));
    const first = await runParley(["models", "pull", `${server.url}/f/first.gguf`], { home });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /^first is now the default model \(change it with `parley config set model <name>`\)$/m);
    assert.deepEqual(config(), { model: "first.gguf" });
    const second = await runParley(["models", "pull", `${server.url}/f/second.gguf`], { home });
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /default model/);
    assert.deepEqual(config(), { model: "first.gguf" });

    // A model already there (and no default set): that one stays what a plain `parley` runs.
    const other = tempHome();
    mkdirSync(join(other, "models"));
    writeFileSync(join(other, "models", "mine.gguf"), BODY);
    const r = await runParley(["models", "pull", `${server.url}/f/second.gguf`], { home: other });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^mine is now the default model/m);
    assert.deepEqual(JSON.parse(readFileSync(join(other, "config.json"), "utf8")), { model: "mine.gguf" });
  });
});
