/** /model with a file that cannot be loaded: one error row, the old model stays, the screen stays clean. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { brokenFixture, fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";
import { count, IDLE, send, terminals } from "./chat.ts";

const open = terminals();

describe("a /model that fails", { timeout: 300_000 }, () => {
  test("a damaged model file: the reason in one row, no stray input box or status line, the old model goes on", async () => {
    const term = open(["-m", fixture("script"), "--threads", "1"], { rows: 40 });
    await term.ready();
    await send(term, `/model ${brokenFixture("truncated")}`);
    const screen = await term.waitFor((s) => /^error: /m.test(s) && IDLE.test(s), 90_000);
    const errors = screen.split("\n").filter((l) => l.startsWith("error: "));
    assert.equal(errors.length, 1, screen);
    assert.match(errors[0] ?? "", /truncated\.gguf: .*(damaged|corrupted)/);
    assert.equal(count(term.all(), "Enter send · Alt+Enter newline"), 1, term.all());
    assert.equal(count(term.all(), "> "), 1, term.all());
    await send(term, "still here?");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    assert.match(term.screen(), /^parley · script\.gguf/m);
  });
});
