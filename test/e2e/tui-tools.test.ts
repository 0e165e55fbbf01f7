/**
 * Tools in the chat screen, in a real terminal, on a GGUF fixture whose every reply calls the
 * shell tool: the call shown in full, the yes/no question and its keys, the result as a row of
 * its own, the next reply asked for, and the calls and results saved.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SHELL_COMMAND } from "../helpers/fixtures.ts";
import { count, IDLE, send, terminals } from "./chat.ts";
import type { Term } from "./tmux.ts";

const start = terminals();
const QUESTION = "Run this tool call?";
const HINT = "press y to run the tool call, or n (or Esc) to decline it";

/** Presses `key` until the question showing now is answered (keys just after it appears do not count). */
async function answer(term: Term, key: string, asked: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    term.type(key);
    try {
      await term.waitFor((s) => count(s, "tool · shell") >= asked, 300, 20);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

describe("tools in the chat screen", { timeout: 240_000 }, () => {
  test("asks before each shell call, runs it on y, declines on n, stops on Ctrl+C; every row saved", async () => {
    const work = mkdtempSync(join(tmpdir(), "parley-tools-e2e-"));
    const term = start(["-m", fixture("tools-shell"), "--template", "qwen", "--tools", "shell", "--yes"], {
      cwd: work,
    });
    await term.ready();
    await send(term, "make the file");
    let screen = await term.waitFor(QUESTION);
    assert.ok(screen.includes(`assistant · tool call\nshell ${SHELL_COMMAND}`), screen);
    assert.match(screen, /^asking · .*y run it · n or Esc: no$/m);
    // --yes never covers shell, and a y typed at once does not count.
    term.type("y");
    screen = await term.waitFor(HINT);
    assert.equal(existsSync(join(work, "made-by-tool.txt")), false);
    assert.ok(screen.includes(QUESTION));
    await answer(term, "y", 1);
    screen = await term.waitFor((s) => s.includes("tool · shell\ntool says hi\n[exit status 0]"));
    assert.equal(existsSync(join(work, "made-by-tool.txt")), true);
    // The result went back to the model, whose next reply calls the tool again.
    screen = await term.waitFor((s) => count(s, "assistant · tool call") === 2 && s.includes(QUESTION));
    await answer(term, "n", 2);
    screen = await term.waitFor((s) => count(s, "assistant · tool call") === 3 && s.includes(QUESTION));
    assert.ok(screen.includes("tool · shell\nthe user declined to run this tool call"), screen);
    term.press("C-c");
    screen = await term.waitFor((s) => IDLE.test(s) && !s.includes(QUESTION));
    assert.equal(count(screen, "tool · shell"), 3);
    term.press("C-d");
    assert.equal(await term.waitForExit(), 0);

    const list = await runParley(["history", "list", "--json"], { home: term.home });
    const [saved] = JSON.parse(list.stdout) as { id: string }[];
    assert.ok(saved);
    const shown = await runParley(["history", "export", saved.id, "--format", "json"], { home: term.home });
    assert.equal(shown.code, 0, shown.stderr);
    const body = JSON.parse(shown.stdout) as { messages: { role: string; content: string; tool_calls?: unknown[] }[] };
    const messages = Array.isArray(body) ? (body as typeof body.messages) : body.messages;
    assert.deepEqual(
      messages.map((m) => m.role),
      ["user", "assistant", "tool", "assistant", "tool", "assistant", "tool"],
    );
    assert.equal(messages[2]?.content, "tool says hi\n[exit status 0]");
    assert.equal(messages[4]?.content, "the user declined to run this tool call");
  });

  test("a bad tool name is refused with the known ones; --tools in a one-shot run is refused", async () => {
    const bad = await runParley(["chat", "-m", fixture("script"), "--tools", "read_file,bash"]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), 'parley: unknown tool "bash" in --tools (known tools: read_file, shell)');
    const oneShot = await runParley(["-m", fixture("script"), "--tools", "shell", "hi"]);
    assert.equal(oneShot.code, 2);
    assert.match(oneShot.stderr, /--tools is for the chat screen/);
    const config = await runParley(["config", "set", "tools", "shel"]);
    assert.equal(config.code, 2);
    assert.match(config.stderr, /unknown tool "shel" .*did you mean "shell"\?/);
    const home = tempHome();
    assert.equal((await runParley(["config", "set", "tools", "read_file, shell"], { home })).code, 0);
    assert.equal((await runParley(["config", "get", "tools"], { home })).stdout.trim(), '["read_file","shell"]');
    const preset = await runParley(["prompts", "add", "coder", "You code.", "--tools", "read_file"], { home });
    assert.equal(preset.code, 0, preset.stderr);
    assert.match((await runParley(["prompts", "show", "coder"], { home })).stdout, /tools=\["read_file"\]/);
    const badPreset = await runParley(["prompts", "add", "x", "X.", "--tools", "curl"], { home });
    assert.equal(badPreset.code, 2);
    assert.match(badPreset.stderr, /unknown tool "curl" in --tools/);
  });

  test("--yes runs read_file without asking, up to 8 rounds for one message", async () => {
    const work = mkdtempSync(join(tmpdir(), "parley-tools-e2e-"));
    writeFileSync(join(work, "notes.txt"), "remember the \u001b]0;milk\u0007\n");
    const term = start(["-m", fixture("tools-read"), "--template", "qwen", "--tools", "read_file", "--yes"], {
      cwd: work,
    });
    await term.ready();
    await send(term, "read my notes");
    const screen = await term.waitFor((s) => s.includes("rounds of tool calls for one message") && IDLE.test(s));
    assert.ok(!screen.includes(QUESTION));
    assert.ok(screen.includes("[run without asking: --yes]"));
    // The escape sequence in the file is shown, harmless.
    assert.ok(screen.includes("tool · read_file\nremember the ^[]0;milk^G"), screen);
    assert.ok(screen.includes("not run: the limit of 8 rounds"), screen);
    assert.equal(count(term.all(), "tool · read_file"), 9);
  });
});
