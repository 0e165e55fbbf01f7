/** Crashed writers leave nothing in the way: locks of dead owners, leftovers of killed saves. */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { RuntimeError } from "../../src/errors.ts";
import { withFileLock, withFileLockAsync } from "../../src/store/files.ts";
import { conversationLockPath, lockConversation } from "../../src/store/conversation-lock.ts";
import { removeLeftovers } from "../../src/store/leftovers.ts";
import { acquireLock, acquireLockSync } from "../../src/store/owner-lock.ts";

const LOCK_MODULE = fileURLToPath(new URL("../../src/store/conversation-lock.ts", import.meta.url));

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  assert.ok(r.pid);
  return r.pid;
}

function ownerText(pid: number): string {
  return `${JSON.stringify({ pid, host: hostname(), nonce: "0123456789abcdef", time: new Date().toISOString() })}\n`;
}

function fresh(): string {
  return mkdtempSync(join(tmpdir(), "parley-locks-"));
}

describe("file locks", () => {
  it("takes over at once a fresh lock whose owner process is gone", async () => {
    const dir = fresh();
    const file = join(dir, "config.json");
    writeFileSync(`${file}.lock`, ownerText(deadPid()));
    // The lock is fresh, so only the dead owner can explain taking it within a 0 ms timeout.
    assert.equal(
      withFileLock(file, () => "sync", 0),
      "sync",
    );
    assert.equal(existsSync(`${file}.lock`), false);
    writeFileSync(`${file}.lock`, ownerText(deadPid()));
    assert.equal(await withFileLockAsync(file, () => "async", 0), "async");
    assert.deepEqual(readdirSync(dir), []);
  });

  it("waits for a live owner and then says who holds it, in one line", async () => {
    const dir = fresh();
    const file = join(dir, "presets.json");
    writeFileSync(`${file}.lock`, ownerText(process.ppid));
    assert.throws(
      () => withFileLock(file, () => 1, 0),
      (err: unknown) => {
        assert.ok(err instanceof RuntimeError);
        assert.equal(
          err.message,
          `${file} is in use by another parley (process ${process.ppid}); try again when it has finished`,
        );
        return true;
      },
    );
    await assert.rejects(
      withFileLockAsync(file, () => 1, 0),
      /is in use by another parley/,
    );
    assert.ok(existsSync(`${file}.lock`), "a live owner's lock stays");
  });

  it("judges a lock without an owner by its age", () => {
    const dir = fresh();
    const lock = join(dir, "x.lock");
    writeFileSync(lock, "");
    assert.throws(() => acquireLockSync(lock, "x", { timeoutMs: 0, staleMs: 60_000 }), /in use by another parley;/);
    const old = new Date(Date.now() - 120_000);
    utimesSync(lock, old, old);
    const release = acquireLockSync(lock, "x", { timeoutMs: 0, staleMs: 60_000 });
    release();
    assert.equal(existsSync(lock), false);
  });

  it("waits asynchronously: the event loop runs while the lock is busy", async () => {
    const dir = fresh();
    const lock = join(dir, "y.lock");
    const first = await acquireLock(lock, "y");
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let notified = 0;
    const second = acquireLock(lock, "y", { onWait: () => notified++ });
    const deadline = Date.now() + 10_000;
    while (ticks < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(ticks >= 5, "timers ran while waiting");
    first();
    const release = await second;
    clearInterval(timer);
    assert.equal(notified, 1);
    release();
    release(); // twice is harmless
    assert.equal(existsSync(lock), false);
  });

  it("refuses in one line when the lock cannot be made", () => {
    const dir = fresh();
    const file = join(dir, "file");
    writeFileSync(file, "");
    assert.throws(
      () => acquireLockSync(join(file, "below.lock"), "thing"),
      /^RuntimeError: cannot lock thing: a part of the path is not a folder$/,
    );
  });
});

describe("lockConversation", () => {
  it("serialises two holders, tells the second it waits, and takes over a dead run's lock", async () => {
    const dir = fresh();
    const first = await lockConversation("abc123", { dir });
    const waits: (number | undefined)[] = [];
    const second = lockConversation("abc123", { dir, onWait: (pid) => waits.push(pid) });
    await new Promise((r) => setTimeout(r, 0));
    first();
    (await second)();
    assert.deepEqual(waits, [process.pid]);
    await assert.rejects(
      (async () => {
        const held = await lockConversation("abc123", { dir });
        try {
          await lockConversation("abc123", { dir, timeoutMs: 0 });
        } finally {
          held();
        }
      })(),
      /^LockBusyError: conversation abc123 is in use by another parley \(process \d+\); try again when it has finished$/,
    );
    writeFileSync(conversationLockPath("abc123", dir), ownerText(deadPid()));
    (await lockConversation("abc123", { dir, timeoutMs: 0 }))();
  });

  it("stops waiting when aborted", async () => {
    const dir = fresh();
    const held = await lockConversation("c1", { dir });
    const controller = new AbortController();
    const waiting = lockConversation("c1", { dir, signal: controller.signal });
    controller.abort(new Error("stopped"));
    await assert.rejects(waiting, /stopped/);
    held();
  });

  it("is released when the holding process exits, and taken over when it is killed", async () => {
    const dir = fresh();
    const script = `import { lockConversation } from ${JSON.stringify(LOCK_MODULE)};
      const [id, dir, mode] = process.argv.slice(1);
      await lockConversation(id, { dir });
      process.stdout.write("held\\n");
      if (mode === "hold") setInterval(() => {}, 1000);`;
    const run = (id: string, hold: boolean) =>
      spawn(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script, id, dir, hold ? "hold" : "exit"],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
    const exits = run("a1", false);
    await new Promise((r) => exits.on("close", r));
    assert.equal(existsSync(conversationLockPath("a1", dir)), false, "released at exit");
    const holds = run("b2", true);
    await new Promise<void>((resolve) => holds.stdout?.on("data", () => resolve()));
    assert.ok(existsSync(conversationLockPath("b2", dir)));
    await assert.rejects(lockConversation("b2", { dir, timeoutMs: 0 }), /in use by another parley/);
    holds.kill("SIGKILL");
    await new Promise((r) => holds.on("close", r));
    (await lockConversation("b2", { dir, timeoutMs: 0 }))();
  });
});

describe("removeLeftovers", () => {
  it("removes temporary files of dead writers and old ones, keeps live writers' and other files", () => {
    const dir = fresh();
    const dead = deadPid();
    const names = {
      deadTmp: `abc.state.${dead}.1a2b3c4d.tmp`,
      deadStale: `x.lock.${dead}.99aa.stale`,
      liveTmp: `def.state.${process.ppid}.1a2b3c4d.tmp`,
      oldLiveTmp: `ghi.state.${process.ppid}.0f0f0f0f.tmp`,
      snapshot: "abc.state",
      meta: "abc.json",
    };
    for (const n of Object.values(names)) writeFileSync(join(dir, n), "x");
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(join(dir, names.oldLiveTmp), old, old);
    const removed = removeLeftovers(dir).sort();
    assert.deepEqual(removed, [names.deadTmp, names.oldLiveTmp, names.deadStale].sort());
    assert.deepEqual(readdirSync(dir).sort(), [names.meta, names.liveTmp, names.snapshot].sort());
    assert.deepEqual(removeLeftovers(join(dir, "missing")), []);
  });
});
