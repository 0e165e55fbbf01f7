/** Ctrl+Z suspends parley to the shell, and `fg` brings it back intact. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SCRIPT_REPLY, fixture } from "../helpers/fixtures.ts";
import { IDLE, send, shells } from "./chat.ts";

const start = shells();

describe("suspending to the shell", { timeout: 200_000 }, () => {
  test("Ctrl+Z stops parley; fg brings back the transcript and the draft", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    await send(term, "hello");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    term.type("unsent draft");
    await term.waitFor("> unsent draft");
    term.press("C-z");
    await term.waitFor(/Stopped/);
    term.type("echo shell-is-here");
    term.press("Enter");
    await term.waitFor(/^shell-is-here$/m);
    term.type("fg");
    term.press("Enter");
    const screen = await term.waitFor(
      (s) => !s.includes("shell-is-here") && IDLE.test(s) && s.includes("> unsent draft"),
    );
    assert.match(screen, /you\nhello\n\nassistant\nHello from parley!/);
    // Keys work again.
    term.press("C-u");
    await send(term, "again");
    await term.waitFor((s) => s.split(SCRIPT_REPLY).length === 3 && IDLE.test(s));
  });
});
