/**
 * Leaving the chat with a message queued, removing a conversation a chat has open, and a chat
 * that waits for another parley writing the same conversation, in a real terminal.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";
import { IDLE, send, terminals } from "./chat.ts";

const open = terminals();

interface Listed {
  id: string;
  messages: number;
}

async function listed(home: string): Promise<Listed[]> {
  return JSON.parse((await runParley(["history", "list", "--json"], { home })).stdout) as Listed[];
}

/** The node process of parley started with `--seed marker` (not the shell around it). */
function parleyPids(marker: string): number[] {
  return execFileSync("pgrep", ["-f", `seed ${marker}`], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map(Number)
    .filter((pid) => pid !== process.pid && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "node");
}

describe("leaving with a message queued", { timeout: 300_000 }, () => {
  for (const [how, code] of [
    ["Ctrl+D", 0],
    ["SIGTERM", 143],
  ] as const) {
    test(`${how} while a message waits behind the reply: exit ${code}, no trace, the queued text neither sent nor saved`, async () => {
      const home = tempHome();
      const marker = String(20_000 + code);
      const term = open(["-m", fixture("loop"), "--threads", "1", "-n", "100000", "--seed", marker], { home });
      await term.ready();
      await send(term, "sing");
      await term.waitFor(/(la){20}/);
      await send(term, "queued words");
      await term.waitFor(/queued: "queued words"/);
      if (how === "Ctrl+D") term.press("C-d");
      else for (const pid of parleyPids(marker)) process.kill(pid, "SIGTERM");
      assert.equal(await term.waitForExit(), code);
      const all = term.all();
      assert.doesNotMatch(all, /disposed|Error|at .*\.js:\d+/);
      const list = await listed(home);
      assert.equal(list[0]?.messages, 2, "the question and the partial reply, nothing queued");
      const saved = (await runParley(["history", "export", list[0]?.id ?? ""], { home })).stdout;
      assert.doesNotMatch(saved, /queued words/);
    });
  }
});

describe("history rm and a chat that has the conversation open", { timeout: 300_000 }, () => {
  test("rm is refused, naming the conversation; /save then saves to a file that exists", async () => {
    const home = tempHome();
    const term = open(["-m", fixture("script"), "--threads", "1"], { home });
    await term.ready();
    await send(term, "remember this");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    const id = (await listed(home))[0]?.id ?? "";
    const rm = await runParley(["history", "rm", id], { home });
    assert.notEqual(rm.code, 0);
    assert.match(
      rm.stderr,
      new RegExp(
        `^parley: conversation ${id} is open in another parley \\(process \\d+\\): leave that chat first, then remove it\\n$`,
      ),
    );
    await send(term, "/save kept");
    await term.waitFor(`saved as ${id} "kept"`);
    assert.equal((await listed(home))[0]?.id, id);
    term.press("C-d");
    assert.equal(await term.waitForExit(), 0);
    assert.equal((await runParley(["history", "rm", id], { home })).code, 0);
  });
});

describe("a chat waiting for another parley", { timeout: 300_000 }, () => {
  test("says so at once on the screen, and Ctrl+C gives up at once", async () => {
    const home = tempHome();
    const first = open(["-m", fixture("script"), "--threads", "1"], { home });
    await first.ready();
    await send(first, "hello");
    await first.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    const second = open(["-c", "-m", fixture("script"), "--threads", "1"], { home });
    // The row is wider than the terminal: it wraps.
    const screen = await second.waitFor((s) =>
      /is writing conversation \S+: waiting for it to finish · Ctrl\+C gives up/.test(s.replace(/\s+/g, " ")),
    );
    assert.doesNotMatch(screen, /Loading the model/);
    second.press("C-c");
    assert.equal(await second.waitForExit(10_000), 0);
    // The first goes on.
    await send(first, "still mine");
    await first.waitFor((s) => s.split(SCRIPT_REPLY).length - 1 >= 2 && IDLE.test(s));
  });
});
