/**
 * Yes/no questions on a terminal (the first-run download offer, `history clear`): Ctrl+C leaves
 * quietly with exit 130, never "unexpected error"; Enter takes the question's default.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Term } from "../e2e/tmux.ts";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture } from "../helpers/fixtures.ts";

const terms: Term[] = [];
after(() => terms.forEach((t) => t.kill()));

/** Runs parley in a shell on a terminal, answers its question with `keys`, and gives the screen and exit code. */
async function answer(args: string[], question: RegExp, keys: string[], home = tempHome()) {
  const term = Term.startInShell(args, { columns: 120, rows: 10, home, env: { HF_ENDPOINT: "http://127.0.0.1:9" } });
  terms.push(term);
  await term.waitFor(question, 30_000);
  term.press(...keys);
  await term.waitFor(/\n\$ *\n/, 30_000);
  term.type("echo status=$?");
  term.press("Enter");
  const screen = await term.waitFor(/status=\d+/, 30_000);
  return { screen, code: Number(/status=(\d+)/.exec(screen)?.[1]) };
}

async function homeWithConversation(): Promise<string> {
  const home = tempHome();
  assert.equal((await runParley(["-m", fixture("script"), "Hi"], { home })).code, 0);
  return home;
}

const saved = (home: string) => readdirSync(join(home, "conversations")).filter((n) => n.endsWith(".jsonl")).length;

describe("yes/no questions", () => {
  it("Ctrl+C at the first-run download offer exits 130 quietly", async () => {
    const r = await answer([], /\[Y\/n\]/, ["C-c"]);
    assert.equal(r.code, 130, r.screen);
    assert.doesNotMatch(r.screen, /error|Aborted/i);
  });

  it("Ctrl+C at history clear's question exits 130 and deletes nothing", async () => {
    const home = await homeWithConversation();
    const r = await answer(["history", "clear"], /\[y\/N\]/, ["C-c"], home);
    assert.equal(r.code, 130, r.screen);
    assert.doesNotMatch(r.screen, /error|Aborted/i);
    assert.equal(saved(home), 1);
  });

  it("Enter at history clear's question is no; y deletes", async () => {
    const home = await homeWithConversation();
    const no = await answer(["history", "clear"], /\[y\/N\]/, ["Enter"], home);
    assert.equal(no.code, 0, no.screen);
    assert.match(no.screen, /nothing deleted/);
    assert.equal(saved(home), 1);
    const yes = await answer(["history", "clear"], /\[y\/N\]/, ["y", "Enter"], home);
    assert.equal(yes.code, 0, yes.screen);
    assert.equal(saved(home), 0);
  });
});
