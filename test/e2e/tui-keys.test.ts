/**
 * Keys that arrive together are read exactly: each burst below is one `send-keys` call (one
 * write to the terminal), and must act as the same keys pressed one at a time.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SCRIPT_REPLY, fixture } from "../helpers/fixtures.ts";
import { count, IDLE, send, terminals } from "./chat.ts";
import type { Term } from "./tmux.ts";

const start = terminals();

/** The input's first line, as shown ("> " then the text). */
function inputLine(screen: string): string | undefined {
  return screen
    .split("\n")
    .reverse()
    .find((l) => l.startsWith(">"));
}

async function inputShows(term: Term, text: string): Promise<void> {
  const empty = (line: string | undefined): boolean => line === ">" || (line?.includes("Type a message") ?? false);
  await term.waitFor((s) => (text === "" ? empty(inputLine(s)) : inputLine(s) === `> ${text}`), 10_000);
}

describe("keys sent in one write", { timeout: 240_000 }, () => {
  test("Backspace, Ctrl+A/E/K/U/W, Delete and Ctrl+C act in a burst as they do one at a time", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    term.type("hello\u007f\u007fX");
    await inputShows(term, "helX");
    term.type("\u0015");
    await inputShows(term, "");
    term.type("hello\u0001X");
    await inputShows(term, "Xhello");
    term.type("\u0005\u0015alpha beta\u0017gamma\u0001>\u0005<");
    await inputShows(term, ">alpha gamma<");
    term.type("\u0001\u0006\u000b");
    await inputShows(term, ">");
    term.type("\u0005\u0015abc\u001b[D\u001b[D\u001b[3~");
    await inputShows(term, "ac");
    term.type("draft\u0003more");
    await inputShows(term, "more");
    // The same keys one at a time give the same line.
    term.press("C-u");
    for (const key of ["h", "e", "l", "l", "o", "BSpace", "BSpace", "X", "C-a", "Y", "C-e", "Z"]) term.press(key);
    await inputShows(term, "YhelXZ");
  });

  test("Tab in a burst completes instead of inserting a tab; Enter in a burst sends", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    term.type("/hel\t");
    await inputShows(term, "/help");
    term.type("\u0015hi there\r");
    const screen = await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    assert.match(screen, /you\nhi there\n/);
    assert.doesNotMatch(screen, /\t/);
  });

  test("Esc and Ctrl+C arriving with other keys while a reply streams stop it, and the keys after them stay", async () => {
    const term = start(["-m", fixture("loop"), "--context-size", "32768", "-n", "1000000"]);
    await term.ready();
    await send(term, "go");
    await term.waitFor("lalalalala");
    term.type("\u001bnext");
    let screen = await term.waitFor((s) => s.includes("[interrupted]") && IDLE.test(s));
    assert.equal(inputLine(screen), "> next");
    term.type("\u0015go again\r");
    await term.waitFor((s) => /^generating ·/m.test(s) && count(s, "lalalala") >= 2);
    term.type("\u0003typed");
    screen = await term.waitFor((s) => count(s, "[interrupted]") === 2 && IDLE.test(s));
    assert.equal(inputLine(screen), "> typed");
  });

  test("Shift+Enter as CSI-u and as modifyOtherKeys adds a line", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    term.type("one\u001b[13;2utwo\u001b[27;2;13~three");
    await term.waitFor(/^> one\n {2}two\n {2}three/m);
    term.press("Enter");
    const screen = await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    assert.match(screen, /you\none\ntwo\nthree\n/);
  });
});
