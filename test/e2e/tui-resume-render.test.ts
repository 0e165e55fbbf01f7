/** A resumed conversation shows its earlier replies as new ones are shown: Markdown rendered. */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { MARKDOWN_REPLY, MARKDOWN_SCRIPT, writeGguf } from "../fixtures/gguf-writer.ts";
import { IDLE, send, terminals } from "./chat.ts";

const start = terminals();
const model = writeGguf(join(mkdtempSync(join(tmpdir(), "parley-resume-md-")), "markdown.gguf"), {
  weights: "script",
  script: MARKDOWN_SCRIPT,
});
const COMMAND = MARKDOWN_REPLY.split("\n").find((l) => l.startsWith("docker run")) ?? "";

/** The SGR codes in effect at the start of the row that begins with `text`. */
function styleOfRow(styled: string, text: string): string {
  // eslint-disable-next-line no-control-regex
  const row = styled.split("\n").find((l) => l.replace(/\u001b\[[\d;]*m/g, "").startsWith(text));
  assert.ok(row !== undefined, `no row starts with "${text}":\n${styled}`);
  return row.slice(0, row.indexOf(text.slice(0, 6)));
}

describe("resumed conversations", { timeout: 200_000 }, () => {
  test("earlier replies are rendered as Markdown, code highlighted as in a new reply", async () => {
    const first = start(["-m", model], { color: true, columns: 140, rows: 50 });
    await first.ready();
    await send(first, "show me");
    await first.waitFor((s) => s.includes("quoted advice") && IDLE.test(s));
    const fresh = styleOfRow(first.screenWithStyles(), COMMAND.slice(0, 20));
    // eslint-disable-next-line no-control-regex
    assert.match(fresh, /\u001b\[[\d;]*33[\d;]*m/, "the code line is highlighted in a new reply");
    first.press("C-d");
    assert.equal(await first.waitForExit(), 0);

    const second = start(["chat", "-m", model, "-c"], { home: first.home, color: true, columns: 140, rows: 50 });
    await second.waitFor((s) => s.includes("quoted advice") && IDLE.test(s), 90_000);
    const resumed = styleOfRow(second.screenWithStyles(), COMMAND.slice(0, 20));
    // eslint-disable-next-line no-control-regex
    assert.match(resumed, /\u001b\[[\d;]*33[\d;]*m/, "the code line is highlighted after a resume");
    assert.match(second.screen(), /```bash\n/);
  });
});
