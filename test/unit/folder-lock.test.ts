import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { lockSync, tryLock } from "../../src/models/folder-lock.ts";
import { waitFor } from "../helpers/cli.ts";

const LOCK_JS = fileURLToPath(new URL("../../dist/models/folder-lock.js", import.meta.url));
const OWNER_LOCK_JS = fileURLToPath(new URL("../../dist/store/owner-lock.js", import.meta.url));

/** A process that waits for `go`, tries the lock once, notes whether it won, and stays alive until `end`. */
const RACER = `
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
const [lockJs, dir] = process.argv.slice(1);
const mod = await import(lockJs);
const tryLock = mod.tryLock ?? ((lock) => {
  try {
    return mod.acquireLockSync(lock, "the lock", { timeoutMs: 0 });
  } catch {
    return 0;
  }
});
writeFileSync(dir + "/ready-" + process.pid, "");
while (!existsSync(dir + "/go")) {}
const got = tryLock(dir + "/the.lock");
appendFileSync(dir + "/result", (typeof got === "function" ? "won" : "lost") + "\\n");
const t = setInterval(() => { if (existsSync(dir + "/end")) { clearInterval(t); process.exit(0); } }, 5);
`;

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  const pid = child.pid ?? 0;
  await new Promise((r) => child.on("close", r));
  return pid;
}

describe("models folder locks", () => {
  for (const [name, js] of [
    ["models folder lock", LOCK_JS],
    ["store lock (config, presets, conversations)", OWNER_LOCK_JS],
  ] as const)
    it(`${name}: a dead owner's lock is taken over by exactly one of many racing processes`, async () => {
      assert.ok(existsSync(js), "run npm run build first");
      for (let round = 0; round < 3; round++) {
        const dir = mkdtempSync(join(tmpdir(), "parley-lock-"));
        const dead = { pid: await deadPid(), host: hostname(), nonce: "dead" };
        writeFileSync(join(dir, "the.lock"), `${JSON.stringify(dead)}\n`);
        const racers = Array.from({ length: 5 }, () =>
          spawn(process.execPath, ["--input-type=module", "-e", RACER, js, dir], { stdio: "ignore" }),
        );
        const exited = racers.map((r) => new Promise((res) => r.on("close", res)));
        const count = (what: string): number =>
          existsSync(join(dir, "result")) ? readFileSync(join(dir, "result"), "utf8").split(what).length - 1 : 0;
        await waitFor(
          () => racers.every((r) => existsSync(join(dir, `ready-${r.pid}`))),
          30_000,
          "the racers to be ready",
        );
        writeFileSync(join(dir, "go"), "");
        await waitFor(() => count("won") + count("lost") === racers.length, 30_000, "every racer to try");
        writeFileSync(join(dir, "end"), "");
        await Promise.all(exited);
        assert.equal(count("won"), 1, `round ${round}: exactly one winner`);
      }
    });

  it("a live owner's lock is not taken; a released one is free again", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-lock-"));
    const lock = join(dir, "x.lock");
    const release = lockSync(lock, "x");
    writeFileSync(join(dir, "y.lock"), JSON.stringify({ pid: process.ppid, host: hostname(), nonce: "n" }));
    assert.equal(typeof tryLock(join(dir, "y.lock")), "number");
    release();
    assert.ok(!existsSync(lock));
    assert.equal(typeof tryLock(lock), "function");
  });
});
