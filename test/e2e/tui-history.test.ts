/**
 * Saved conversations in the chat screen, in a real terminal: autosave, the model state saved on
 * exit and loaded on `-c`, and /save, /history, /resume and /preset.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";
import { count, IDLE, send, terminals } from "./chat.ts";

const open = terminals();
const start = (args: string[], home: string) => open(args, { home });

async function history(home: string) {
  const r = await runParley(["history", "list", "--json"], { home });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { id: string; title: string; messages: number }[];
}

describe("saved conversations in the chat screen", { timeout: 300_000 }, () => {
  test("a chat is saved as it goes, and -c resumes it from its saved model state", async () => {
    const home = tempHome();
    const m = fixture("script");
    let term = start(["-m", m], home);
    await term.ready();
    await send(term, "What is a cat?");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    term.press("C-d");
    assert.equal(await term.waitForExit(), 0);
    let list = await history(home);
    assert.equal(list.length, 1);
    assert.equal(list[0]?.messages, 2);
    assert.ok(readdirSync(join(home, "snapshots")).some((f) => f.endsWith(".state")));

    term = start(["chat", "-m", m, "-c"], home);
    let screen = await term.waitFor((s) => /resume: snapshot loaded/.test(s) && IDLE.test(s), 90_000);
    assert.match(screen, /you\nWhat is a cat\?/);
    await send(term, "And a dog?");
    screen = await term.waitFor((s) => count(s, SCRIPT_REPLY) === 2 && IDLE.test(s));
    term.press("C-d");
    assert.equal(await term.waitForExit(), 0);
    list = await history(home);
    assert.equal(list.length, 1);
    assert.equal(list[0]?.messages, 4);

    // A one-shot run continues it from the state the chat screen saved (same attention kernels).
    const oneShot = await runParley(["-m", m, "--stats", "-c", "And a bird?"], { home });
    assert.equal(oneShot.code, 0, oneShot.stderr);
    assert.match(oneShot.stderr, /resume: snapshot loaded, \d+ prompt tokens reused/);
    assert.equal(oneShot.stdout, `${SCRIPT_REPLY}\n`);
  });

  test("/save, /history, /resume and /preset", async () => {
    const home = tempHome();
    const m = fixture("script");
    assert.equal((await runParley(["-m", m, "An older question"], { home })).code, 0);
    assert.equal((await runParley(["prompts", "add", "terse", "Answer in one word."], { home })).code, 0);
    const [older] = await history(home);
    assert.ok(older);

    const term = start(["-m", m, "--no-history"], home);
    await term.ready();
    await send(term, "/preset terse");
    await term.waitFor("preset terse: system prompt set");
    await send(term, "A new question");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    assert.equal((await history(home)).length, 1, "--no-history: nothing saved yet");
    await send(term, "/save Cats and dogs");
    await term.waitFor(/saved as [0-9a-f]+ "Cats and dogs"/);
    await send(term, "/history");
    await term.waitFor((s) => s.includes("Cats and dogs") && s.includes("An older question"));
    await send(term, `/resume ${older.id.slice(0, 6)}`);
    const screen = await term.waitFor(/resumed [0-9a-f]+ "An older question"/);
    assert.ok(!screen.includes("A new question"), "the transcript shows the resumed conversation");
    await send(term, "/resume zzzz");
    await term.waitFor(/no conversation/i);
    term.press("C-d");
    assert.equal(await term.waitForExit(), 0);
    const titles = (await history(home)).map((c) => c.title).sort();
    assert.deepEqual(titles, ["An older question", "Cats and dogs"]);
  });

  test("eight one-shot runs and a chat writing at once: every conversation whole, input history intact", async () => {
    const home = tempHome();
    const m = fixture("script");
    const term = start(["-m", m], home);
    await term.ready();
    const runs = Array.from({ length: 8 }, (_, i) => runParley(["-m", m, `parallel question ${i}`], { home }));
    await send(term, "chat question one");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    await send(term, "chat question two");
    await term.waitFor((s) => count(s, SCRIPT_REPLY) === 2 && IDLE.test(s));
    for (const r of await Promise.all(runs)) assert.equal(r.code, 0, r.stderr);
    term.press("C-d");
    assert.equal(await term.waitForExit(), 0);
    const list = await history(home);
    assert.equal(list.length, 9);
    for (const c of list) {
      const exported = await runParley(["history", "export", c.id], { home });
      const messages = JSON.parse(exported.stdout) as { role: string; content: string }[];
      if (c.title.startsWith("parallel question")) {
        assert.deepEqual(
          messages.map((x) => x.content),
          [c.title, SCRIPT_REPLY],
        );
      } else {
        assert.deepEqual(
          messages.map((x) => x.content),
          ["chat question one", SCRIPT_REPLY, "chat question two", SCRIPT_REPLY],
        );
      }
    }
    const inputs = readFileSync(join(home, "input-history.jsonl"), "utf8");
    assert.ok(inputs.includes("chat question one") && inputs.includes("chat question two"));
  });
});
