/**
 * The chat screen given a conversation (`--messages`) that ends in a user turn answers that turn;
 * an offline first run or an offline remote model says how to use a file instead.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { IDLE, terminals } from "../e2e/chat.ts";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

const start = terminals();
const dir = mkdtempSync(join(tmpdir(), "parley-chat-messages-"));

describe("the chat screen with --messages", () => {
  for (const args of [["chat"], ["-i"]]) {
    it(`answers a last user turn (parley ${[...args, "--messages"].join(" ")})`, async () => {
      const file = join(dir, `conv-${args.length}.json`);
      writeFileSync(
        file,
        JSON.stringify([
          { role: "user", content: "First question" },
          { role: "assistant", content: "First answer" },
          { role: "user", content: "Second question" },
        ]),
      );
      const term = start(["-m", fixture("script"), ...args, "--messages", file], { columns: 100, rows: 20 });
      const screen = await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s), 90_000);
      assert.equal(screen.split("Second question").length - 1, 1, screen);
      term.press("C-d");
      assert.equal(await term.waitForExit(30_000), 0);
      const folder = join(term.home, "conversations");
      const [saved] = readdirSync(folder).filter((n) => n.endsWith(".jsonl"));
      const text = readFileSync(join(folder, saved ?? ""), "utf8");
      assert.equal(text.split('"Second question"').length - 1, 1, "the last turn is saved once");
      assert.match(text, /Hello from parley!/);
    });
  }
});

describe("offline without the model", () => {
  it("a first run says to pass -m <file.gguf>", async () => {
    for (const [args, env] of [
      [["--offline", "Hi"], {}],
      [["Hi"], { PARLEY_OFFLINE: "1" }],
    ] as const) {
      const r = await runParley([...args], { env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /offline.*-m <file\.gguf>/);
    }
  });

  it("a remote model that is not here says to pass -m <file.gguf>", async () => {
    const home = tempHome();
    mkdirSync(join(home, "models"));
    writeFileSync(join(home, "models", "aliases.json"), '{"far": "hf:someone/Model-GGUF:Q4_K_M"}');
    const r = await runParley(["--offline", "-m", "far", "Hi"], { home });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /offline.*-m <file\.gguf>/);
  });
});
