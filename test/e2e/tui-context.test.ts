/**
 * A conversation that outgrows its context, and a screen that keeps telling the truth about it:
 * refused prompts given back, the notice row when old turns are left out, the context in use
 * while a reply streams, messages queued during a reply, and /undo, /retry, /continue redrawn.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";
import { count, IDLE, send, terminals } from "./chat.ts";

const start = terminals();

/** Types a long line (it wraps in the input box), waits for its end, then presses Enter. */
async function sendLong(term: ReturnType<typeof start>, text: string): Promise<void> {
  term.type(text);
  await term.waitFor((s) => s.replace(/\s+/g, "").includes(text.replace(/\s+/g, "")));
  term.press("Enter");
}

describe("a conversation past its context", { timeout: 300_000 }, () => {
  test("drop (the default): old turns are left out with a notice row, and the chat goes on", async () => {
    const term = start(["-m", fixture("tiny"), "-n", "6"], { rows: 40 });
    await term.ready();
    for (let i = 1; i <= 4; i++) {
      await send(term, `message number ${i}`);
      await term.waitFor((s) => IDLE.test(s) && s.includes(`message number ${i}`) && !s.includes(`> message`));
    }
    const all = term.all();
    assert.match(
      all,
      /the 2 oldest messages no longer fit and were left out of what the model sees; the saved conversation keeps them/,
    );
    assert.match(all, /left out of what the model sees \(6 in all\); the saved conversation keeps them/);
    assert.equal(count(all, "[not sent"), 0);
    assert.equal(count(all, "error:"), 0);
    assert.match(all, /you\nmessage number 4\n/);
  });

  test("a prompt larger than the context is marked not sent and goes back into the input box", async () => {
    const term = start(["-m", fixture("tiny"), "-n", "6"], { rows: 30 });
    await term.ready();
    const long = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
    await sendLong(term, long);
    const screen = await term.waitFor((s) => IDLE.test(s) && s.includes("[not sent"));
    assert.match(
      screen,
      /\[not sent: the text is back in the input box\]\n+error: the prompt takes \d+ tokens but the context holds 64/,
    );
    // The text is in the input box again, ready to shorten.
    assert.match(screen, /^> ?w0 w1 w2/m);
    // Nothing was added: /save has nothing to save.
    term.press("C-u");
    await term.waitFor((s) => !/^> ?w0/m.test(s));
    await send(term, "/save");
    await term.waitFor("nothing to save yet");
  });

  test("200 pasted lines: the input box keeps to its share of the screen, and a refusal stays in sight", async () => {
    const term = start(["-m", fixture("tiny"), "-n", "6"], { rows: 30 });
    await term.ready();
    term.paste(Array.from({ length: 200 }, (_, i) => `pasted line ${i}`).join("\n"));
    let screen = await term.waitFor(/pasted line 199/);
    assert.match(screen, /^ {2}… 1\d\d more lines above$/m);
    assert.doesNotMatch(screen, /pasted line 0\b/);
    assert.ok(screen.trimEnd().split("\n").length <= 30);
    term.press("Enter");
    screen = await term.waitFor((s) => IDLE.test(s) && s.includes("[not sent"));
    // The refusal, the text given back (its end, where the cursor is) and the status line, on one screen.
    assert.match(screen, /error: the prompt takes (at least )?\d+ tokens but the context holds 64/);
    assert.match(screen, /more lines above\n(.*\n)*.*pasted line 199/);
    assert.match(screen, /^idle · /m);
  });

  test("stop: a prompt that no longer fits is refused, named ways out, text back in the input box", async () => {
    const term = start(["-m", fixture("tiny"), "-n", "6", "--context-policy", "stop"], { rows: 40 });
    await term.ready();
    await send(term, "message number 1");
    await term.waitFor((s) => IDLE.test(s) && s.includes("lalala"));
    await send(term, "message number 2");
    const screen = await term.waitFor((s) => IDLE.test(s) && s.includes("[not sent"));
    assert.match(screen, /you\nmessage number 2\n+\[not sent: the text is back in the input box\]/);
    assert.match(term.all(), /error: the conversation no longer fits the context \(\d+ of 64 tokens.*\): \/compact/);
    assert.match(screen, /^> ?message number 2/m);
    // The refused prompt is not in the conversation: /undo removes the first exchange.
    term.press("C-u");
    await term.waitFor((s) => !/^> ?message number 2/m.test(s));
    await send(term, "/undo");
    const after = await term.waitFor("removed 2 messages");
    assert.doesNotMatch(after, /message number/);
  });

  test("the status line shows the context in use while a reply streams, never above 100%", async () => {
    const term = start(["-m", fixture("loop"), "--context-size", "2048", "-n", "1000000"], { columns: 120 });
    await term.ready();
    const seen: string[] = [];
    await send(term, "go");
    const final = await term.waitFor(
      (s) => {
        const line = /^generating · ctx (\d+)\/2048 \((\d+)%\).* · (\d+) tok, ([\d.]+) tok\/s/m.exec(s);
        if (line) seen.push(line[0]);
        return IDLE.test(s) && seen.length > 0;
      },
      120_000,
      20,
    );
    assert.ok(seen.length > 0, "no status line while the reply streams");
    for (const line of seen) {
      const [, used, pct, tokens] = /ctx (\d+)\/2048 \((\d+)%\).* · (\d+) tok/.exec(line) ?? [];
      assert.ok(Number(used) > 0 && Number(used) <= 2048, line);
      assert.ok(Number(pct) <= 100, line);
      assert.ok(Number(used) > Number(tokens), `the prompt is counted: ${line}`);
    }
    assert.ok(
      seen.some((l) => /· [1-9]\d* tok, [\d.]+ tok\/s/.test(l)),
      "no live token count",
    );
    // A reply cut by a full context says so (not "the token limit": -n allowed a million), and is
    // not offered to /continue: it could write nothing more.
    assert.match(term.all(), /\[stopped: the context is full\]/);
    assert.doesNotMatch(term.all(), /token limit/);
    assert.doesNotMatch(final, /\/continue goes on/);
    assert.match(final, /^idle · ctx \d+\/2048 \((9\d|100)%\) · context nearly full: \/compact or \/clear/m);
    assert.doesNotMatch(final, /\((10[1-9]|1[1-9]\d|[2-9]\d\d)%\)/);
  });
});

describe("messages typed while a reply is written", { timeout: 300_000 }, () => {
  test("Enter queues the message; it is sent when the reply ends", async () => {
    const term = start(["-m", fixture("loop"), "--context-size", "32768", "-n", "5000"], { columns: 100 });
    await term.ready();
    await send(term, "go");
    await term.waitFor(/^generating ·/m);
    await send(term, "the next question");
    const queued = await term.waitFor(/queued: "the next question" · sent when the reply ends/);
    assert.match(queued, /^generating ·/m);
    const done = await term.waitFor(
      (s) => IDLE.test(s) && count(term.all(), "[stopped at the token limit]") === 2,
      180_000,
    );
    assert.doesNotMatch(done, /queued:/);
    assert.match(term.all(), /\[stopped at the token limit\]\n+you\nthe next question\n+assistant\nla/);
  });

  test("Esc takes a queued message back first, then stops the reply; no stale hint is left", async () => {
    const term = start(["-m", fixture("loop"), "--context-size", "32768", "-n", "1000000"]);
    await term.ready();
    await send(term, "go");
    await term.waitFor("lalalalala");
    await send(term, "/help");
    await term.waitFor("a reply is being written: wait, or press Esc to stop it");
    // The command stays in the input box, to run once the reply ends; it is cleared here.
    term.press("C-u");
    await term.waitFor((s) => !s.includes("> /help"));
    await send(term, "queued words");
    await term.waitFor(/queued: "queued words"/);
    term.press("Escape");
    let screen = await term.waitFor((s) => /^> ?queued words/m.test(s) && !s.includes("queued:"));
    assert.match(screen, /^generating ·/m);
    assert.match(screen, /the queued message is back in the input box: Esc again stops the reply/);
    term.press("Escape");
    screen = await term.waitFor((s) => s.includes("[interrupted]") && IDLE.test(s));
    assert.doesNotMatch(screen, /a reply is being written|Esc again stops/);
    assert.match(screen, /^> ?queued words/m);
    assert.match(screen, /· \/continue goes on ·/);
  });
});

describe("the screen matches the conversation", { timeout: 300_000 }, () => {
  test("/undo and /retry redraw: removed and replaced replies go from the screen", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    await send(term, "first question");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    await send(term, "second question");
    await term.waitFor((s) => count(s, SCRIPT_REPLY) === 2 && IDLE.test(s));
    await send(term, "/undo");
    await term.waitFor("removed 2 messages");
    let all = term.all();
    assert.doesNotMatch(all, /second question/);
    assert.equal(count(all, SCRIPT_REPLY), 1);
    assert.match(all, /you\nfirst question\n\nassistant\nHello from parley!/);
    await send(term, "/retry");
    await term.waitFor((s) => IDLE.test(s) && s.includes(SCRIPT_REPLY) && !s.includes("removed 2"));
    all = term.all();
    assert.equal(count(all, SCRIPT_REPLY), 1, all);
    assert.equal(count(all, "first question"), 1, all);
    assert.doesNotMatch(all, /\/continue goes on/);
  });

  test("/continue is offered only for a cut reply, and the continuation joins the reply it continues", async () => {
    const term = start(["-m", fixture("loop"), "--context-size", "32768", "-n", "5"]);
    await term.ready();
    await send(term, "/continue");
    let screen = await term.waitFor("nothing to continue");
    assert.doesNotMatch(screen, /\/continue goes on/);
    await send(term, "go");
    screen = await term.waitFor((s) => s.includes("[stopped at the token limit]") && IDLE.test(s));
    assert.match(screen, /· \/continue goes on ·/);
    await send(term, "/continue");
    await term.waitFor((s) => IDLE.test(s) && /assistant\n(la){8,}/.test(s));
    const all = term.all();
    assert.equal(count(all, "assistant"), 1, all);
    assert.equal(count(all, "[stopped at the token limit]"), 1, all);
    assert.match(all, /assistant\n(la){9,10}l?\n\[stopped at the token limit\]/);
  });
});
