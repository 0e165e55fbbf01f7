/**
 * What is saved when a run does not go as planned: a reader that leaves (`| head`), a prompt
 * refused because the conversation is full, two runs continuing one conversation at once, an
 * assistant prefill, an empty chat.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BIN, runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

interface Listed {
  id: string;
  messages: number;
}

async function history(home: string): Promise<Listed[]> {
  const r = await runParley(["history", "list", "--json"], { home });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Listed[];
}

async function exported(home: string, id: string): Promise<{ role: string; content: string }[]> {
  const r = await runParley(["history", "export", id], { home });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { role: string; content: string }[];
}

describe("saving when a run is cut short", () => {
  it("a reader that goes away (| head) ends quietly, and the partial reply is saved", async () => {
    const home = tempHome();
    const code = await new Promise<number | null>((resolve) => {
      const env: NodeJS.ProcessEnv = { ...process.env, PARLEY_HOME: home, NO_COLOR: "1" };
      delete env.PARLEY_MODEL;
      const child = spawn(
        "sh",
        ["-c", `"${process.execPath}" "${BIN}" -m "${fixture("loop")}" --threads 1 -n 3000 sing | head -c 20`],
        { env, stdio: ["ignore", "pipe", "pipe"] },
      );
      child.on("close", () => resolve(0));
      child.on("error", () => resolve(null));
    });
    assert.equal(code, 0);
    const [conversation] = await history(home);
    assert.ok(conversation, "the conversation was saved");
    const messages = await exported(home, conversation.id);
    assert.equal(messages[0]?.content, "sing");
    assert.equal(messages[1]?.role, "assistant");
    assert.match(messages[1]?.content ?? "", /^(la)+$/);
  });

  it("a prompt refused because the conversation is full is not recorded, so -c goes on working", async () => {
    const home = tempHome();
    const args = ["-m", fixture("script"), "--threads", "1", "--context-size", "256", "--context-policy", "stop"];
    const first = await runParley([...args, "Hello there. ".repeat(12)], { home });
    assert.equal(first.code, 0, first.stderr);
    const refused = await runParley([...args, "-c", "And more. ".repeat(12)], { home });
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /^parley: the conversation no longer fits the context/);
    assert.equal((await history(home))[0]?.messages, 2, "the refused prompt was not saved");
    const small = await runParley([...args, "-c", "ok?"], { home });
    assert.equal(small.code, 4, "still full: refused again, with the same clear message");
    const dropped = await runParley(
      ["-m", fixture("script"), "--threads", "1", "--context-size", "256", "-c", "And more. ".repeat(12)],
      { home },
    );
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.match(dropped.stderr, /oldest messages? no longer fit and (was|were) left out of what the model sees/);
    assert.equal((await history(home))[0]?.messages, 4, "the saved conversation keeps every message");
  });
});

describe("one conversation, one writer", () => {
  it("two -c runs at once take turns: every question is followed by its own answer", async () => {
    const home = tempHome();
    const start = await runParley(["-m", fixture("script"), "--threads", "1", "first"], { home });
    assert.equal(start.code, 0, start.stderr);
    const [a, b] = await Promise.all([
      runParley(["-c", "--threads", "1", "question A"], { home, timeoutMs: 120_000 }),
      runParley(["-c", "--threads", "1", "question B"], { home, timeoutMs: 120_000 }),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const [conversation] = await history(home);
    assert.ok(conversation);
    const messages = await exported(home, conversation.id);
    assert.equal(messages.length, 6);
    for (let i = 0; i < messages.length; i += 2) {
      assert.equal(messages[i]?.role, "user");
      assert.equal(messages[i + 1]?.role, "assistant");
      assert.equal(messages[i + 1]?.content, SCRIPT_REPLY);
    }
    assert.deepEqual(
      messages
        .filter((m) => m.role === "user")
        .map((m) => m.content)
        .sort(),
      ["first", "question A", "question B"],
    );
  });
});

describe("what a saved conversation holds", () => {
  it("an assistant prefill and its continuation are saved as one message", async () => {
    const home = tempHome();
    const messages = JSON.stringify([
      { role: "user", content: "Say hello" },
      { role: "assistant", content: "Sure: " },
    ]);
    const r = await runParley(["-m", fixture("script"), "--threads", "1", "--messages", "-"], {
      home,
      input: messages,
    });
    assert.equal(r.code, 0, r.stderr);
    const [conversation] = await history(home);
    assert.ok(conversation);
    assert.equal(conversation.messages, 2);
    const saved = await exported(home, conversation.id);
    assert.equal(saved[1]?.content, `Sure: ${r.stdout.trimEnd()}`);
  });

  it("a one-shot run with a short prompt saves no model state; a long one does", async () => {
    const home = tempHome();
    const r = await runParley(["-m", fixture("script"), "--threads", "1", "Hi"], { home });
    assert.equal(r.code, 0, r.stderr);
    const states = (): string[] => {
      try {
        return readdirSync(join(home, "snapshots")).filter((f) => f.endsWith(".state"));
      } catch {
        return [];
      }
    };
    assert.deepEqual(states(), []);
    const long = await runParley(["-m", fixture("script"), "--threads", "1", "Tell me more. ".repeat(25)], { home });
    assert.equal(long.code, 0, long.stderr);
    assert.equal(states().length, 1);
  });
});
