/**
 * The interactive chat in a real terminal (tmux): the ways into it (`-i`, `parley chat`), a model
 * that fails to load, reasoning rows, and /continue after an interrupted reply.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { SCRIPT_REPLY, THINKING_REASONING, THINKING_REPLY, brokenFixture, fixture } from "../helpers/fixtures.ts";
import { count, IDLE, send, terminals } from "./chat.ts";

const start = terminals();

/** SGR parameter lists in effect where `text` starts on a styled screen capture. */
function stylesBefore(styled: string, text: string): string[] {
  const at = styled.indexOf(text);
  assert.ok(at >= 0, `"${text}" is not on the screen:\n${styled}`);
  const line = styled.slice(styled.lastIndexOf("\n", at) + 1, at);
  // eslint-disable-next-line no-control-regex
  return [...line.matchAll(/\u001b\[([\d;]*)m/g)].map((m) => m[1] ?? "");
}

describe("ways into the chat, and its special rows", { timeout: 240_000 }, () => {
  test('parley -i "first prompt" runs that turn, then stays interactive', async () => {
    const term = start(["-m", fixture("script"), "-i", "first prompt"]);
    let screen = await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s), 90_000);
    assert.match(screen, /you\nfirst prompt\n\nassistant\nHello from parley!/);
    await send(term, "second prompt");
    screen = await term.waitFor((s) => count(s, SCRIPT_REPLY) === 2 && IDLE.test(s));
    assert.match(screen, /you\nsecond prompt\n\nassistant\nHello from parley!/);
    term.press("C-d");
    assert.equal(await term.waitForExit(), 0);
  });

  test("parley chat starts the interactive chat", async () => {
    const term = start(["chat", "-m", fixture("script")]);
    const screen = await term.ready();
    assert.match(screen, /parley · script\.gguf · ChatML/);
    await send(term, "hello");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    term.press("C-d");
    assert.equal(await term.waitForExit(), 0);
  });

  test("a model that fails to load shows the error and exits with code 3", async () => {
    const term = start(["-m", brokenFixture("truncated")]);
    assert.equal(await term.waitForExit(90_000), 3);
    const screen = term.all();
    assert.match(screen, /parley: .*(model|load|gguf)/i);
    assert.doesNotMatch(screen, /^idle · ctx/m);
  });

  test("--show-reasoning shows the reasoning dimmed, above the answer", async () => {
    const term = start(["-m", fixture("thinking"), "--show-reasoning"], { color: true });
    await term.ready();
    await send(term, "think first");
    const screen = await term.waitFor((s) => s.includes(THINKING_REPLY) && IDLE.test(s));
    assert.match(screen, new RegExp(`assistant\\nthinking\\n  ${THINKING_REASONING}\\n\\n${THINKING_REPLY}`));
    const styled = term.screenWithStyles();
    assert.ok(
      stylesBefore(styled, THINKING_REASONING).some((sgr) => sgr.split(";").includes("2")),
      "the reasoning is not dimmed",
    );
    assert.ok(
      !stylesBefore(styled, THINKING_REPLY).some((sgr) => sgr.split(";").includes("2")),
      "the answer is dimmed",
    );
  });

  test("without --show-reasoning the reasoning row is collapsed", async () => {
    const term = start(["-m", fixture("thinking")]);
    await term.ready();
    await send(term, "think first");
    const screen = await term.waitFor((s) => s.includes(THINKING_REPLY) && IDLE.test(s));
    assert.match(screen, /\[reasoning: 3 words, \/reasoning show to expand\]/);
    assert.doesNotMatch(screen, new RegExp(`^${THINKING_REASONING}$`, "m"));
  });

  test("/continue goes on with an interrupted reply, shown as the same message", async () => {
    const term = start(["-m", fixture("loop"), "--context-size", "32768", "-n", "1000000"]);
    await term.ready();
    await send(term, "go");
    await term.waitFor("lalalalala");
    term.press("C-c");
    await term.waitFor((s) => s.includes("[interrupted]") && IDLE.test(s));
    await send(term, "/continue");
    await term.waitFor(/^generating ·/m);
    // More text arrives below the first [interrupted] marker (it may scroll off the screen).
    await term.waitFor(() => /\[interrupted\]\n+(assistant\n)?(la)+/.test(term.all()));
    term.press("C-c");
    // Once it ends, the screen is redrawn: one reply, with the mark of how it ended last.
    await term.waitFor(
      (s) => IDLE.test(s) && count(term.all(), "[interrupted]") === 1 && count(term.all(), "assistant") === 1,
    );
    assert.match(term.all(), /assistant\n(la)+l?\n\[interrupted\]/);
    await send(term, "/export chat.json");
    await term.waitFor(/exported 2 messages as json/);
    const exported = JSON.parse(readFileSync(join(term.home, "chat.json"), "utf8")) as {
      role: string;
      content: string;
    }[];
    assert.deepEqual(
      exported.map((m) => m.role),
      ["user", "assistant"],
    );
    assert.match(exported[1]?.content ?? "", /^(la)+l?$/);
  });
});
