/**
 * The habits users bring from other chat tools: /bye, /?, slash text that is no command,
 * `"""` blocks, Ctrl+L, Ctrl+R, an external editor, @file attachments and /set as elsewhere.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { SCRIPT_REPLY, fixture } from "../helpers/fixtures.ts";
import { count, IDLE, send, terminals } from "./chat.ts";

const start = terminals();

describe("habits from other chat tools", { timeout: 400_000 }, () => {
  for (const word of ["/bye", "/quit", "/q"]) {
    test(`${word} leaves like /exit`, async () => {
      const term = start(["-m", fixture("script")]);
      await term.ready();
      await send(term, word);
      assert.equal(await term.waitForExit(), 0);
    });
  }

  test("/? is help; slash text that is no command is never sent; a leading space sends it", async () => {
    const term = start(["-m", fixture("script")], { columns: 160 });
    await term.ready();
    await send(term, "/?");
    await term.waitFor("/help");
    await term.waitFor("start it with a space to send it as text");
    for (const text of ["/", "// x", "/ leading space"]) {
      term.type(text);
      await term.waitFor(`> ${text}`);
      term.press("Enter");
    }
    await term.waitFor((s) => count(s, "is not sent (/help lists the commands; to send text that starts with /") === 3);
    await send(term, "/hepl");
    await term.waitFor("error: unknown command /hepl: did you mean /help?");
    assert.doesNotMatch(term.all(), /^you$/m);
    await send(term, " /etc/hosts is a file");
    const screen = await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    assert.match(screen, /you\n\/etc\/hosts is a file\n/);
  });

  test('""" opens a block of lines and """ closes and sends it', async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    await send(term, '"""');
    await send(term, "first line");
    await send(term, 'second line"""');
    const screen = await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    assert.match(screen, /you\nfirst line\nsecond line\n\nassistant/);
  });

  test("Ctrl+L draws the screen again", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    await send(term, "hello");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    term.type("draft");
    // Drawn before the other program writes, so no later paint of the input covers it.
    await term.waitFor(/^> draft/m);
    term.writeToTerminal("\u001b[2J\u001b[HGARBAGE FROM ELSEWHERE");
    await term.waitFor("GARBAGE FROM ELSEWHERE");
    term.press("C-l");
    const screen = await term.waitFor((s) => !s.includes("GARBAGE") && s.includes(SCRIPT_REPLY) && IDLE.test(s));
    assert.match(screen, /parley · script\.gguf[^\n]*\n\nyou\nhello\n\nassistant\nHello from parley!/);
    assert.match(screen, /^> draft/m);
  });

  test("Ctrl+R searches earlier prompts; Enter takes the one found", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    for (const text of ["first prompt alpha", "second prompt beta", "third prompt alpine"]) {
      await send(term, text);
      await term.waitFor((s) => s.includes(text) && IDLE.test(s) && !/^generating/m.test(s));
    }
    term.press("C-r");
    term.type("alp");
    let screen = await term.waitFor('search earlier prompts: "alp"');
    assert.match(screen, /^> third prompt alpine/m);
    term.press("C-r");
    screen = await term.waitFor(/^> first prompt alpha/m);
    term.type("x");
    await term.waitFor('"alpx" (no match)');
    term.press("Escape");
    await term.waitFor((s) => !s.includes("search earlier prompts") && /Type a message/.test(s));
    term.press("C-r");
    term.type("beta");
    await term.waitFor(/^> second prompt beta/m);
    term.press("Enter");
    screen = await term.waitFor((s) => !s.includes("search earlier prompts"));
    assert.match(screen, /^> second prompt beta/m);
  });

  test("Ctrl+X Ctrl+E and /edit compose the message in $EDITOR", async () => {
    const bin = mkdtempSync(join(tmpdir(), "parley-editor-"));
    const editor = join(bin, "fake-editor");
    writeFileSync(editor, `#!/bin/sh\nprintf '%s and more from the editor\\n' "$(cat "$1")" > "$1"\n`);
    chmodSync(editor, 0o755);
    const term = start(["-m", fixture("script")], { env: { EDITOR: editor, VISUAL: "" } });
    await term.ready();
    term.type("typed here");
    await term.waitFor("> typed here");
    term.press("C-x", "C-e");
    await term.waitFor("> typed here and more from the editor");
    term.press("C-u");
    await send(term, "/edit");
    await term.waitFor(/^> {1,2}and more from the editor/m);
  });

  test("@file and /file attach a text file as one row; binary and missing files are refused", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "parley-attach-"));
    writeFileSync(join(cwd, "notes.txt"), "line one\nline two\n");
    writeFileSync(join(cwd, "image.bin"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
    writeFileSync(join(cwd, "huge.txt"), "x".repeat(200 * 1024));
    const term = start(["-m", fixture("script")], { cwd, columns: 140 });
    await term.ready();
    term.type("summarise @no");
    await term.waitFor("> summarise @no");
    term.press("Tab");
    await term.waitFor("> summarise @notes.txt");
    term.press("Enter");
    let screen = await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    assert.match(screen, /you\nsummarise @notes\.txt\n\[attached notes\.txt · 2 lines · 18 bytes\]\n\nassistant/);
    await send(term, "look at @image.bin");
    await term.waitFor("error: image.bin is not a text file (binary content); only text files can be attached");
    assert.match(term.screen(), /^> look at @image\.bin/m);
    term.press("C-u");
    await send(term, "and @./missing.txt");
    await term.waitFor("error: no such file: ./missing.txt");
    term.press("C-u");
    await send(term, "/file huge.txt");
    await term.waitFor("error: huge.txt is 200.0 KiB: files up to 100.0 KiB can be attached");
    await send(term, "/file notes.txt");
    await term.waitFor("[attached notes.txt · 2 lines · 18 bytes] · sent with the next message");
    await send(term, "what does it say");
    screen = await term.waitFor((s) => count(s, SCRIPT_REPLY) === 2 && IDLE.test(s));
    assert.match(screen, /you\nwhat does it say\n\[attached notes\.txt · 2 lines · 18 bytes\]\n/);
  });

  test("/set takes every spelling, suggests names, sets stop strings, goes back to default, and lists", async () => {
    const term = start(["-m", fixture("script"), "--top-k", "7"], { columns: 160 });
    await term.ready();
    await send(term, "/set top_p 0.5");
    await term.waitFor("top-p = 0.5 (from the next reply)");
    await send(term, "/set topP 0.6");
    await term.waitFor("top-p = 0.6 (from the next reply)");
    await send(term, "/set top-p default");
    await term.waitFor("top-p = 0.95 (default)");
    await send(term, "/set top-k 3");
    await term.waitFor("top-k = 3 (from the next reply)");
    await send(term, "/set top-k default");
    await term.waitFor("top-k = 7 (flag)");
    await send(term, "/set tempreature 1");
    await term.waitFor('error: unknown parameter "tempreature": did you mean temperature?');
    await send(term, '/set stop END "two words"');
    await term.waitFor('stop = "END", "two words" (from the next reply)');
    await send(term, "/set");
    const screen = await term.waitFor(/^stop\s+"END", "two words"\s+\(\/set\)$/m);
    assert.match(screen, /^temperature\s+0\.8/m);
    assert.match(screen, /^top-k\s+7\s+\(flag\)$/m);
  });
});
