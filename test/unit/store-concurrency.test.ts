/** Eight processes writing conversations at once: every line whole, none in another's file. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConversationWriter } from "../../src/store/conversation-writer.ts";
import { listConversations, readConversation } from "../../src/store/conversations.ts";

const WRITER_MODULE = fileURLToPath(new URL("../../src/store/conversation-writer.ts", import.meta.url));
const RENAME_MODULE = fileURLToPath(new URL("../../src/store/conversations.ts", import.meta.url));
const PROCESSES = 8;
const MESSAGES = 150;
const RENAMES = 40;

/** Each child waits for the go file, then writes its own conversation and renames the shared one. */
const CHILD = `
import { existsSync, writeFileSync } from "node:fs";
import { ConversationWriter } from ${JSON.stringify(WRITER_MODULE)};
import { renameConversation } from ${JSON.stringify(RENAME_MODULE)};
const [dir, go, n, shared] = process.argv.slice(2);
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 2));
const w = ConversationWriter.create({ model: { name: "p" + n + ".gguf", path: "/p" + n }, source: "test-" + n }, dir);
for (let i = 0; i < ${MESSAGES}; i++) {
  const big = i % 25 === 0 ? "x".repeat(100_000) : "";
  w.append({ role: i % 2 ? "assistant" : "user", content: "writer " + n + " message " + i + " " + big });
  if (i < ${RENAMES}) renameConversation(shared, "writer " + n + " rename " + i, dir);
}
w.close();
writeFileSync(dir + "/../done-" + n, w.id);
`;

function run(script: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("close", resolve);
  });
}

describe("concurrent writers", () => {
  it("keep every conversation complete and every line in its own file", async () => {
    const root = mkdtempSync(join(tmpdir(), "parley-concurrency-"));
    const dir = join(root, "conversations");
    const script = join(root, "child.mts");
    writeFileSync(script, CHILD);
    const shared = ConversationWriter.create({ model: { name: "s.gguf", path: "/s" } }, dir);
    shared.append({ role: "user", content: "shared" });
    shared.close();
    const go = join(root, "go");
    const children = Array.from({ length: PROCESSES }, (_, n) => run(script, [dir, go, String(n), shared.id]));
    writeFileSync(go, "");
    assert.deepEqual(await Promise.all(children), Array(PROCESSES).fill(0));

    const list = listConversations(dir);
    assert.equal(list.length, PROCESSES + 1);
    assert.ok(list.every((c) => !c.damaged && !c.torn));
    for (let n = 0; n < PROCESSES; n++) {
      const id = readFileSync(join(root, `done-${n}`), "utf8");
      const c = readConversation(id, dir);
      assert.equal(c.header?.source, `test-${n}`);
      assert.deepEqual(c.badLines, []);
      assert.equal(c.messages.length, MESSAGES);
      c.messages.forEach((m, i) =>
        assert.ok(m.content.startsWith(`writer ${n} message ${i} `), m.content.slice(0, 40)),
      );
      assert.equal(c.renames.length, 0);
    }
    const s = readConversation(shared.id, dir);
    assert.deepEqual(s.badLines, []);
    assert.equal(s.messages.length, 1);
    assert.equal(s.renames.length, PROCESSES * RENAMES);
    for (let n = 0; n < PROCESSES; n++) {
      const mine = s.renames.filter((r) => r.title.startsWith(`writer ${n} `)).map((r) => r.title);
      assert.deepEqual(
        mine,
        Array.from({ length: RENAMES }, (_, i) => `writer ${n} rename ${i}`),
      );
    }
    rmSync(root, { recursive: true, force: true });
  });
});

const KILLED_CHILD = `
import { ConversationWriter } from ${JSON.stringify(WRITER_MODULE)};
const [dir] = process.argv.slice(2);
const w = ConversationWriter.create({ model: { name: "k.gguf", path: "/k" } }, dir);
for (let i = 0; i < 5000; i++) w.append({ role: "user", content: "message " + i + " " + "y".repeat(20_000) });
`;

describe("a writer killed with SIGKILL", () => {
  it("leaves a readable conversation with every completed message", async () => {
    const root = mkdtempSync(join(tmpdir(), "parley-kill-"));
    const dir = join(root, "conversations");
    const script = join(root, "child.mts");
    writeFileSync(script, KILLED_CHILD);
    const child = spawn(process.execPath, ["--import", "tsx", script, dir], { stdio: "ignore" });
    const deadline = Date.now() + 30_000;
    const written = (): number => {
      const [id] = existsSync(dir) ? readdirSync(dir) : [];
      return id ? statSync(join(dir, id)).size : 0;
    };
    while (written() < 21 * 20_000) {
      if (Date.now() > deadline) throw new Error("timed out waiting for the writer");
      await new Promise((r) => setTimeout(r, 10));
    }
    const closed = new Promise((r) => child.on("close", r));
    child.kill("SIGKILL");
    await closed;
    const [summary] = listConversations(dir);
    assert.ok(summary && !summary.damaged);
    const c = readConversation(summary.id, dir);
    assert.ok(c.messages.length >= 20);
    assert.deepEqual(c.badLines, []);
    c.messages.forEach((m, i) => assert.ok(m.content.startsWith(`message ${i} `) && m.content.length > 20_000));
    rmSync(root, { recursive: true, force: true });
  });
});
