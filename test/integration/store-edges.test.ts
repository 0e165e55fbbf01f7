import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConversationWriter } from "../../src/store/conversation-writer.ts";
import { buildGguf } from "../fixtures/gguf-writer.ts";
import { BIN, collect, runParley, tempHome } from "../helpers/cli.ts";
import { startModelServer, type ModelServer } from "../helpers/model-server.ts";
import { homeWithModels } from "../helpers/models-folder.ts";

const SPEC = { models: { script: "script" as const }, aliases: { fast: "script.gguf" } };

function save(home: string, content = "Say hello"): string {
  const w = ConversationWriter.create(
    { model: { name: "script.gguf", path: "/models/script.gguf" }, template: "ChatML", source: "one-shot" },
    join(home, "conversations"),
  );
  w.append({ role: "user", content, time: new Date() });
  w.append({
    role: "assistant",
    content: "Hello from parley!",
    tokens: { prompt: 9, completion: 5 },
    time: new Date(),
  });
  w.close();
  return w.id;
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe("the models folder and the stores at their edges", () => {
  it("models rm removes only models: never aliases.json, a folder or another file", async () => {
    const { home, folder } = homeWithModels(SPEC);
    writeFileSync(join(folder, "notes.txt"), "mine");
    mkdirSync(join(folder, "sub.gguf"));
    for (const ref of [
      "aliases.json",
      join(folder, "aliases.json"),
      join(folder, "notes.txt"),
      join(folder, "sub.gguf"),
      "sub",
    ]) {
      const r = await runParley(["models", "rm", ref], { home });
      assert.equal(r.code, 2, `${ref}: ${r.stderr}`);
      assert.match(r.stderr, /^parley: (no model|rm only deletes models)/);
    }
    assert.ok(existsSync(join(folder, "aliases.json")));
    assert.ok(existsSync(join(folder, "notes.txt")));
    assert.ok(existsSync(join(folder, "sub.gguf")));
    assert.ok(existsSync(join(folder, "script.gguf")));
  });

  it("built-in object names are ordinary unknown names", async () => {
    const { home } = homeWithModels(SPEC);
    for (const args of [
      ["models", "rm", "constructor"],
      ["models", "rm", "__proto__"],
      ["models", "info", "toString"],
      ["models", "alias", "constructor"],
      ["models", "alias", "--rm", "hasOwnProperty"],
    ]) {
      const r = await runParley(args, { home });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^parley: no (model|alias) /, args.join(" "));
    }
    const add = await runParley(["models", "alias", "constructor", "script"], { home });
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await runParley(["models", "alias", "constructor"], { home })).stdout, "script.gguf\n");
  });

  it("aliases.json is changed under a lock: a live holder is waited for, concurrent changes all land", async () => {
    const { home, folder } = homeWithModels(SPEC);
    const lock = join(folder, "aliases.json.lock");
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), nonce: "test" }));
    const held = await runParley(["models", "alias", "held", "script"], { home });
    assert.equal(held.code, 1, held.stderr);
    assert.match(held.stderr, /aliases\.json is in use by another parley \(process \d+\); try again\n$/);
    execFileSync("rm", [lock]);
    const names = ["a1", "a2", "a3", "a4", "a5"];
    const runs = await Promise.all(names.map((n) => runParley(["models", "alias", n, "script"], { home })));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const aliases = JSON.parse(readFileSync(join(folder, "aliases.json"), "utf8")) as Record<string, string>;
    assert.deepEqual(Object.keys(aliases).sort(), [...names, "fast"]);
  });

  it("a pipe where parley expects a store file or a model is refused at once; an oversized store file is not read", async () => {
    const { home, folder } = homeWithModels(SPEC);
    execFileSync("mkfifo", [join(home, "fifo")]);
    symlinkSync(join(home, "fifo"), join(folder, "piped.gguf"));
    const list = await runParley(["models", "list"], { home, timeoutMs: 15_000 });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^piped .*damaged .*it is a pipe, not a file$/m);
    execFileSync("mkfifo", [join(folder, "aliases.json.new")]);
    execFileSync("mv", [join(folder, "aliases.json.new"), join(folder, "aliases.json")]);
    const aliases = await runParley(["models", "alias"], { home, timeoutMs: 15_000 });
    assert.equal(aliases.code, 2);
    assert.match(aliases.stderr, /^parley: cannot read the aliases file .*aliases\.json: it is a pipe, not a file\n$/);
    execFileSync("rm", [join(folder, "aliases.json")]);
    writeFileSync(join(folder, "aliases.json"), "{}");
    truncateSync(join(folder, "aliases.json"), 2 * 1024 * 1024);
    const big = await runParley(["models", "alias"], { home });
    assert.equal(big.code, 2);
    assert.match(big.stderr, /is larger than 1 MiB/);

    mkdirSync(join(home, "conversations"));
    execFileSync("mkfifo", [join(home, "conversations", "abc123.jsonl")]);
    const show = await runParley(["history", "show", "abc123"], { home, timeoutMs: 15_000 });
    assert.equal(show.code, 1, show.stderr);
    assert.match(show.stderr, /^parley: cannot read conversation .*abc123\.jsonl: it is a pipe, not a file\n$/);
    const huge = join(home, "conversations", "def456.jsonl");
    writeFileSync(huge, "");
    truncateSync(huge, 257 * 1024 * 1024);
    const large = await runParley(["history", "show", "def456"], { home, timeoutMs: 15_000 });
    assert.equal(large.code, 1);
    assert.match(large.stderr, /it is larger than the 256 MiB limit\n$/);
  });

  it("history export -o refuses to replace a file without --force, and never leaves half a file", async () => {
    const home = tempHome();
    const id = save(home, "x".repeat(300_000));
    const out = join(home, "out.json");
    writeFileSync(out, "keep me");
    const refused = await runParley(["history", "export", id, "-o", out], { home });
    assert.equal(refused.code, 2, refused.stderr + refused.stdout.slice(0, 200));
    assert.equal(refused.stderr, `parley: ${out} already exists: add --force to replace it\n`);
    assert.equal(readFileSync(out, "utf8"), "keep me");
    const forced = await runParley(["history", "export", id, "-o", out, "--force"], { home });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(out, "utf8"), /xxxx/);

    const full = await runParley(["history", "export", id, "-o", "/dev/full"], { home });
    assert.equal(full.code, 2);
    assert.equal(full.stderr, "parley: cannot write /dev/full: the disk is full\n");

    // A file size limit cuts the write the way a full disk does: the old file stays whole.
    writeFileSync(out, "keep me");
    const limited = spawn(
      "bash",
      ["-c", `ulimit -f 100; exec "${process.execPath}" "${BIN}" history export ${id} -o ${out} --force`],
      {
        env: { ...process.env, PARLEY_HOME: home },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    limited.stdin.end();
    const r = await collect(limited);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `parley: cannot write ${out}: the file is too large\n`);
    assert.equal(readFileSync(out, "utf8"), "keep me");
    assert.deepEqual(
      readdirSync(home).filter((n) => n.endsWith(".tmp")),
      [],
    );
  });

  it("a store file rewritten when the disk fills (a file size limit) keeps its old text whole", async () => {
    const home = tempHome();
    const long = "p".repeat(3000);
    assert.equal((await runParley(["prompts", "add", "first", long], { home })).code, 0);
    const before = readFileSync(join(home, "presets.json"), "utf8");
    const limited = spawn(
      "bash",
      ["-c", `ulimit -f 4; exec "${process.execPath}" "${BIN}" prompts add second "${long}"`],
      { env: { ...process.env, PARLEY_HOME: home }, stdio: ["pipe", "pipe", "pipe"] },
    );
    limited.stdin.end();
    const r = await collect(limited);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^parley: cannot write .*presets\.json: the file is too large\n$/);
    assert.equal(readFileSync(join(home, "presets.json"), "utf8"), before);
  });

  it("an export cut by a full disk (a 64 KiB tmpfs) leaves no partial file", async (t) => {
    const home = tempHome();
    const id = save(home, "y".repeat(200_000));
    const dir = join(home, "small");
    mkdirSync(dir);
    const code = await new Promise<number | null>((r) => {
      const m = spawn("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "ignore" });
      m.on("close", r);
      m.on("error", () => r(-1));
    });
    if (code !== 0) {
      t.skip("mounting a tmpfs is not permitted here");
      return;
    }
    try {
      const r = await runParley(["history", "export", id, "-o", join(dir, "chat.json")], { home });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `parley: cannot write ${join(dir, "chat.json")}: the disk is full\n`);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      await new Promise((r) => spawn("umount", [dir]).on("close", r));
    }
  });

  it("text echoed back by history and models commands reaches the terminal with its controls made visible", async () => {
    const home = tempHome();
    const search = await runParley(["history", "search", "a\u009b2Jb"], { home });
    assert.equal(search.code, 0, search.stderr);
    assert.match(search.stderr, /^no conversation contains "a\ufffd2Jb"\n$/);
    const rm = await runParley(["models", "rm", "x\u001b]0;title\u0007y"], { home });
    assert.equal(rm.code, 2);
    assert.match(rm.stderr, /^parley: no model "x\^\[\]0;title\^Gy" in /);
  });

  describe("private files", () => {
    let server: ModelServer;
    before(async () => {
      server = await startModelServer();
    });
    after(() => server.close());

    it("every kind of file parley writes under its home is 0600, its folders 0700", async () => {
      server.files.set("/p/private.gguf", { body: buildGguf({ weights: "random" }) });
      const home = tempHome();
      const pulled = await runParley(["models", "pull", `${server.url}/p/private.gguf`, "--alias", "p"], { home });
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.equal((await runParley(["config", "set", "temperature", "0.5"], { home })).code, 0);
      assert.equal((await runParley(["prompts", "add", "terse", "Be brief."], { home })).code, 0);
      save(home);
      const files = [
        join(home, "models", "private.gguf"),
        join(home, "models", "aliases.json"),
        join(home, "models", ".origins.json"),
        join(home, "config.json"),
        join(home, "presets.json"),
        ...readdirSync(join(home, "conversations")).map((n) => join(home, "conversations", n)),
      ];
      for (const f of files) assert.equal(mode(f).toString(8), "600", f);
      for (const d of [join(home, "models"), join(home, "models", ".downloads"), join(home, "conversations")]) {
        assert.equal(mode(d).toString(8), "700", d);
      }
    });
  });
});
