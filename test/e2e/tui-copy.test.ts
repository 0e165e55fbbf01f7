/**
 * What is copied is what the model wrote: finished replies are not hard-wrapped, code blocks
 * keep their fences and their lines, and `/copy` says how it copied.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { MARKDOWN_REPLY, MARKDOWN_SCRIPT, writeGguf } from "../fixtures/gguf-writer.ts";
import { SCRIPT_REPLY, THINKING_REASONING, fixture } from "../helpers/fixtures.ts";
import { IDLE, send, terminals } from "./chat.ts";

const start = terminals();
const dir = mkdtempSync(join(tmpdir(), "parley-copy-"));
const markdownModel = writeGguf(join(dir, "markdown.gguf"), { weights: "script", script: MARKDOWN_SCRIPT });

const PROSE = MARKDOWN_REPLY.split("\n")[0] ?? "";
const COMMAND = MARKDOWN_REPLY.split("\n").find((l) => l.startsWith("docker run")) ?? "";

/** The reply as the joined capture shows it: from the role label to the blank line before the input. */
function replyOf(joined: string): string {
  const from = joined.lastIndexOf("assistant\n");
  assert.ok(from >= 0, joined);
  const body = joined.slice(from + "assistant\n".length);
  return body.slice(0, body.lastIndexOf("\n\n> ")).replace(/\n+$/, "");
}

describe("copying from the chat screen", { timeout: 300_000 }, () => {
  for (const columns of [80, 40]) {
    test(`at ${columns} columns a mouse copy gives back the prose line and the code block whole`, async () => {
      const term = start(["-m", markdownModel], { columns, rows: 50 });
      await term.ready();
      await send(term, "show me");
      await term.waitFor((s) => s.includes("quoted advice") && IDLE.test(s));
      const reply = replyOf(term.all());
      // The rows are wrapped by the terminal, not by parley: joined, they are the lines written.
      assert.ok(reply.includes(`${PROSE}\n`), reply);
      assert.ok(reply.includes(`\`\`\`bash\n${COMMAND}\n\`\`\``), reply);
      assert.ok(reply.includes("```sh\necho first\n```"), reply);
      for (const line of reply.split("\n")) assert.doesNotMatch(line, /^ +\S/, `an indented line: "${line}"`);
      // Without colour the marks that carry meaning stay.
      assert.ok(reply.includes("Use `--rm` to clean up."), reply);
      assert.ok(reply.includes("> quoted advice"), reply);
      // The screen itself shows the long line over several rows.
      assert.ok(!term.screen().includes(COMMAND) || columns >= COMMAND.length);
      if (columns === 40) {
        term.resize(120, 50);
        await term.waitFor((s) => s.includes(COMMAND));
      }
    });
  }

  test("NO_COLOR keeps the input cursor visible in inverse video", async () => {
    const term = start(["-m", fixture("script")]);
    await term.ready();
    term.type("abc");
    await term.waitFor("> abc");
    term.press("Left");
    await term.waitFor(() => term.screenWithStyles().includes("ab\u001b[7mc"));
  });

  test("/copy, /copy code and /copy code 2 use the clipboard tool, and say so", async () => {
    const bin = mkdtempSync(join(tmpdir(), "parley-clip-"));
    const clip = join(bin, "clipboard.txt");
    writeFileSync(join(bin, "xclip"), `#!/bin/sh\ncat > "${clip}"\n`);
    chmodSync(join(bin, "xclip"), 0o755);
    const term = start(["-m", markdownModel], {
      columns: 120,
      env: { PATH: `${bin}:${process.env.PATH ?? ""}`, DISPLAY: ":42" },
    });
    await term.ready();
    await send(term, "/copy");
    await term.waitFor("error: no reply to copy yet");
    await send(term, "show me");
    await term.waitFor((s) => s.includes("quoted advice") && IDLE.test(s));
    await send(term, "/copy code");
    await term.waitFor(`copied the last code block (${COMMAND.length} characters) to the clipboard with xclip`);
    assert.equal(readFileSync(clip, "utf8"), COMMAND);
    await send(term, "/copy code 2");
    await term.waitFor("copied code block 2 from the end (10 characters) to the clipboard with xclip");
    assert.equal(readFileSync(clip, "utf8"), "echo first");
    await send(term, "/copy");
    await term.waitFor(`copied the last reply (${MARKDOWN_REPLY.length} characters)`);
    assert.equal(readFileSync(clip, "utf8"), MARKDOWN_REPLY);
    await send(term, "/copy code 3");
    await term.waitFor("error: the last reply has 2 code blocks, not 3");
  });

  test("/copy with no clipboard tool falls back to OSC 52 and says the terminal may block it", async () => {
    const term = start(["-m", fixture("script")], { env: { PATH: "/usr/bin:/bin", DISPLAY: "", WAYLAND_DISPLAY: "" } });
    await term.ready();
    await send(term, "hi");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    await send(term, "/copy");
    await term.waitFor(
      /sent the last reply \(18 characters\) to the terminal's clipboard \(OSC 52\); no clipboard tool/,
    );
    await send(term, "/copy code");
    await term.waitFor("error: the last reply has no code block");
  });

  test("/reasoning show expands the reasoning already on screen; hide collapses it again", async () => {
    const term = start(["-m", fixture("thinking")]);
    await term.ready();
    await send(term, "think first");
    await term.waitFor((s) => s.includes("[reasoning: 3 words, /reasoning show to expand]") && IDLE.test(s));
    await send(term, "/reasoning show");
    let screen = await term.waitFor("reasoning: shown");
    // Without colour the reasoning is told from the answer by its label and indent.
    assert.match(screen, new RegExp(`assistant\\nthinking\\n  ${THINKING_REASONING}\\n`));
    assert.doesNotMatch(screen, /\[reasoning: 3 words/);
    assert.match(screen, /you\nthink first\n/);
    await send(term, "/reasoning hide");
    screen = await term.waitFor("reasoning: collapsed");
    assert.match(screen, /\[reasoning: 3 words, \/reasoning show to expand\]/);
  });
});
