/** `--template none`: the prompt is completed as written, with no chat template around it. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture } from "../helpers/fixtures.ts";

describe("--template none", () => {
  it("sends the prompt as written: only its own tokens, no role markers", async () => {
    const home = tempHome();
    const args = ["-m", fixture("script"), "--threads", "1", "--json", "--no-history"];
    const chat = await runParley([...args, "Once upon a time"], { home });
    const plain = await runParley([...args, "--template", "none", "--stats", "Once upon a time"], { home });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, /template: none \(plain text\)/);
    const tokens = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
    // The byte vocabulary makes one token a byte: the text plus the start token, nothing else.
    assert.equal(tokens(plain), "Once upon a time".length + 1);
    assert.ok(tokens(chat) > tokens(plain) + 5, "the chat template adds its markers");
    assert.doesNotMatch(plain.stderr, /no chat template of its own/);
  });
});
