/** The interactive chat in a real terminal (tmux), on the GGUF fixtures. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runParley } from "../helpers/cli.ts";
import { SCRIPT_REPLY, fixture } from "../helpers/fixtures.ts";
import { count, IDLE, send, terminals } from "./chat.ts";

const start = terminals();

describe("interactive chat in a terminal", { timeout: 240_000 }, () => {
  test("starts, shows the header, sends a prompt and streams the reply", async () => {
    const term = start(["-m", fixture("script")]);
    const screen = await term.ready();
    assert.match(screen, /parley · script\.gguf · ChatML · CPU · context \d+/);
    await send(term, "hello there");
    const after = await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    assert.match(after, /you\nhello there\n\nassistant\nHello from parley!/);
    assert.match(after, /idle · ctx \d+\/\d+ \(\d+%\) · last \d+ tok, [\d.]+ tok\/s/);
  });

  test("a multi-line message: Alt+Enter, Ctrl+J, a trailing backslash and a bracketed paste", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    term.type("line one");
    term.press("M-Enter");
    term.type("line two");
    term.press("C-j");
    term.type("line three\\");
    await term.waitFor("line three\\");
    term.press("Enter");
    await term.waitFor((s) => !s.includes("line three\\"));
    await send(term, "line four");
    let screen = await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    assert.match(screen, /you\nline one\nline two\nline three\nline four\n\nassistant/);
    term.paste("pasted a\npasted b\n");
    await term.waitFor("  pasted b");
    term.press("Enter");
    screen = await term.waitFor((s) => count(s, SCRIPT_REPLY) === 2 && IDLE.test(s));
    assert.match(screen, /you\npasted a\npasted b\n/);
  });

  test("Up recalls a prompt from an earlier run", async () => {
    const first = start(["-m", fixture("script")]);
    await first.ready();
    await send(first, "remember this prompt");
    await first.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    first.press("C-d");
    assert.equal(await first.waitForExit(), 0);
    const second = start(["-m", fixture("script")], { home: first.home });
    await second.ready();
    second.press("Up");
    await second.waitFor("> remember this prompt");
  });

  test("/set temperature 0.2 then /show params, with where each value comes from", async () => {
    const term = start(["-m", fixture("script"), "--top-k", "7"], { env: { PARLEY_MIN_P: "0.2" } });
    await term.ready();
    await send(term, "/set temperature 0.2");
    await term.waitFor("temperature = 0.2");
    await send(term, "/show params");
    const screen = await term.waitFor(/temperature\s+0\.2\s+\(\/set\)\n/);
    assert.match(screen, /top-p\s+0\.95\s+\(default\)/);
    assert.match(screen, /top-k\s+7\s+\(flag\)/);
    assert.match(screen, /min-p\s+0\.2\s+\(env\)/);
    await send(term, "/set temperature 7");
    await term.waitFor(/error: invalid value for \/set temperature: "7"/);
  });

  test("Ctrl+C during a reply keeps the partial text; Esc too; the next prompt works", async () => {
    const term = start(["-m", fixture("loop"), "--context-size", "32768", "-n", "1000000"]);
    await term.ready();
    await send(term, "go");
    await term.waitFor(/^generating ·/m);
    await term.waitFor("lalalalala");
    term.press("C-c");
    let screen = await term.waitFor((s) => s.includes("[interrupted]") && IDLE.test(s));
    assert.match(screen, /assistant\n(la)+/);
    await send(term, "again");
    await term.waitFor(/^generating ·/m);
    term.press("Escape");
    screen = await term.waitFor((s) => count(s, "[interrupted]") === 2 && IDLE.test(s));
    await send(term, "/set max-tokens 3");
    await send(term, "third");
    screen = await term.waitFor((s) => s.includes("[stopped at the token limit") && IDLE.test(s));
    assert.match(screen, /you\nthird\n\nassistant\nlalala\n/);
  });

  test("/retry, /undo and /export; the exported JSON works with --messages", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    await send(term, "first prompt");
    await term.waitFor((s) => count(s, SCRIPT_REPLY) === 1 && IDLE.test(s));
    await send(term, "/retry");
    // The new reply replaces the old one on the screen too.
    await term.waitFor((s) => !s.includes("> /retry") && count(term.all(), SCRIPT_REPLY) === 1 && IDLE.test(s));
    await send(term, "/undo");
    const undone = await term.waitFor("removed 2 messages");
    assert.doesNotMatch(undone, /first prompt/);
    await send(term, "second prompt");
    await term.waitFor((s) => s.includes("you\nsecond prompt") && count(s, SCRIPT_REPLY) === 1 && IDLE.test(s));
    await send(term, "/export chat.json");
    await term.waitFor(/exported 2 messages as json/);
    await send(term, "/export chat.md");
    await term.waitFor(/exported 2 messages as markdown/);
    const exported = JSON.parse(readFileSync(join(term.home, "chat.json"), "utf8")) as unknown;
    assert.deepEqual(exported, [
      { role: "user", content: "second prompt" },
      { role: "assistant", content: SCRIPT_REPLY },
    ]);
    assert.match(readFileSync(join(term.home, "chat.md"), "utf8"), /## user\n\nsecond prompt/);
    const result = await runParley(["-m", fixture("script"), "--messages", join(term.home, "chat.json")]);
    // The conversation ends with a reply, which one-shot mode continues: the script has nothing to add.
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
  });

  test("an unknown slash command shows an error row with the nearest match", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    await send(term, "/hepl");
    await term.waitFor("error: unknown command /hepl: did you mean /help?");
    term.type("/he");
    term.press("Tab");
    await term.waitFor("> /help");
  });

  test("a second Ctrl+C on an empty input exits 0", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    term.type("some text");
    await term.waitFor("> some text");
    term.press("C-c");
    await term.waitFor((s) => !s.includes("some text"));
    term.press("C-c");
    await term.waitFor("Press Ctrl+C again to exit");
    term.press("C-c");
    assert.equal(await term.waitForExit(), 0);
  });

  test("Ctrl+D on an empty input exits 0", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    term.press("C-d");
    assert.equal(await term.waitForExit(), 0);
  });

  test("a narrower terminal leaves no copy of the input box or the status line behind", async () => {
    const term = start(["-m", fixture("script")], { columns: 100, rows: 30 });
    await term.ready();
    await send(term, "Hi there, a message to have something above the input box");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    for (const columns of [40, 70, 35]) {
      term.resize(columns, 20);
      // Redrawn once the size settles: one input box, one status line, the conversation kept.
      const screen = await term.waitFor(
        (s) => s.split("\n").every((l) => l.length <= columns) && count(s, "Type a message") === 1,
      );
      await new Promise((r) => setTimeout(r, 400));
      const settled = term.all();
      assert.equal(count(settled, "Type a message"), 1, settled);
      assert.equal(settled.match(/^idle · ctx/gm)?.length, 1, settled);
      assert.ok(screen.replace(/\n/g, "").includes(SCRIPT_REPLY.slice(0, 10)), screen);
    }
    await send(term, "/stats");
    await term.waitFor("completion");
  });

  test("after a resize, lines wrap to the new width and the chat goes on", async () => {
    const term = start(["-m", fixture("script")], { columns: 100, rows: 30 });
    await term.ready();
    term.resize(50, 20);
    await term.waitFor((s) => s.split("\n").every((l) => l.length <= 50) && IDLE.test(s));
    const long = "a fairly long prompt that has to wrap at fifty columns of width";
    term.type(long);
    await term.waitFor("of width");
    term.press("Enter");
    const screen = await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    for (const line of screen.split("\n")) assert.ok(line.length <= 50, `too wide: ${line}`);
  });
});
