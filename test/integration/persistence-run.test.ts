import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { collect, runParley, spawnParley, tempHome, waitFor } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

async function ok(args: string[], home: string, env: Record<string, string> = {}) {
  const r = await runParley(args, { home, env });
  assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  return r;
}

async function completionTokens(args: string[], home: string, env: Record<string, string> = {}): Promise<number> {
  const r = await ok([...args, "--json"], home, env);
  return JSON.parse(r.stdout).usage.completion_tokens;
}

async function historyList(home: string) {
  return JSON.parse((await ok(["history", "list", "--json"], home)).stdout);
}

describe("one precedence rule: flag > env > request body > preset > config > default", () => {
  it("applies to max-tokens through every layer", async () => {
    const home = tempHome();
    const m = fixture("loop");
    const body = join(home, "body.json");
    writeFileSync(body, JSON.stringify({ messages: [{ role: "user", content: "Hi" }], max_tokens: 5 }));
    await ok(["config", "set", "max-tokens", "7"], home);
    assert.equal(await completionTokens(["-m", m, "Hi"], home), 7);
    await ok(["prompts", "add", "short", "Be short.", "--max-tokens", "6"], home);
    assert.equal(await completionTokens(["-m", m, "-p", "short", "Hi"], home), 6);
    assert.equal(await completionTokens(["-m", m, "-p", "short", "--messages", body], home), 5);
    const env = { PARLEY_MAX_TOKENS: "4" };
    assert.equal(await completionTokens(["-m", m, "-p", "short", "--messages", body], home, env), 4);
    assert.equal(await completionTokens(["-m", m, "-p", "short", "--messages", body, "-n", "3"], home, env), 3);
  });

  it("takes the model, threads and a preset from the config", async () => {
    const home = tempHome();
    await ok(["config", "set", "model", fixture("script")], home);
    await ok(["config", "set", "threads", "1"], home);
    const r = await ok(["--stats", "Hi"], home);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
    assert.match(r.stderr, /threads: 1/);
    const plain = JSON.parse((await ok(["--json", "Hi"], home)).stdout).usage.prompt_tokens;
    await ok(["prompts", "add", "poet", "You are a poet who writes long verse."], home);
    await ok(["config", "set", "preset", "poet"], home);
    const withPreset = JSON.parse((await ok(["--json", "Hi"], home)).stdout).usage.prompt_tokens;
    assert.ok(withPreset > plain);
  });

  it("refuses a missing preset, listing the known ones", async () => {
    const home = tempHome();
    await ok(["prompts", "add", "terse", "Be terse."], home);
    const r = await runParley(["-m", fixture("script"), "-p", "nope", "Hi"], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^parley: .*nope.*terse/);
  });

  it("reports a broken config file without touching it", async () => {
    const home = tempHome();
    const path = (await ok(["config", "path"], home)).stdout.trim();
    await ok(["config", "set", "temperature", "0.5"], home);
    writeFileSync(path, '{"temperature": ');
    const r = await runParley(["-m", fixture("script"), "Hi"], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^parley: .*config/);
    assert.equal(readFileSync(path, "utf8"), '{"temperature": ');
  });
});

describe("conversations are saved and can be continued", () => {
  it("saves a one-shot run, unless --no-history or config says no", async () => {
    const home = tempHome();
    const m = fixture("script");
    await ok(["-m", m, "-s", "Be kind.", "First question"], home);
    let list = await historyList(home);
    assert.equal(list.length, 1);
    assert.equal(list[0].title, "First question");
    assert.equal(list[0].messages, 2);
    const shown = JSON.parse((await ok(["history", "show", list[0].id, "--json"], home)).stdout);
    assert.equal(JSON.stringify(shown).includes(SCRIPT_REPLY), true);
    await ok(["-m", m, "--no-history", "Hi"], home);
    await ok(["config", "set", "history", "false"], home);
    await ok(["-m", m, "Hi"], home);
    list = await historyList(home);
    assert.equal(list.length, 1);
  });

  it("-c sends the earlier messages plus the new one, and --resume takes an id prefix", async () => {
    const home = tempHome();
    const m = fixture("script");
    const first = JSON.parse((await ok(["-m", m, "--json", "What is a cat?"], home)).stdout);
    const second = JSON.parse((await ok(["-m", m, "--json", "-c", "and in French?"], home)).stdout);
    assert.ok(second.usage.prompt_tokens > first.usage.prompt_tokens + 5);
    const [conversation] = await historyList(home);
    assert.equal(conversation.messages, 4);
    await ok(["-m", m, "--resume", conversation.id.slice(0, 4), "once more"], home);
    const exported = JSON.parse((await ok(["history", "export", conversation.id], home)).stdout);
    assert.deepEqual(
      exported.map((x: { role: string }) => x.role),
      ["user", "assistant", "user", "assistant", "user", "assistant"],
    );
    assert.equal(exported[3].content, SCRIPT_REPLY);
  });

  it("refuses -c without a saved conversation, an unknown id, and -c with --messages", async () => {
    const home = tempHome();
    const m = fixture("script");
    for (const args of [
      ["-c", "Hi"],
      ["--resume", "zzzz", "Hi"],
      ["-c", "--messages", "x.json"],
    ]) {
      const r = await runParley(["-m", m, ...args], { home });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^parley: [^\n]+\n$/);
    }
  });

  it("keeps every completed message when parley is killed mid-reply", async () => {
    const home = tempHome();
    const child = spawnParley(["-m", fixture("loop"), "-n", "1000000", "--stats", "Tell me everything"], { home });
    child.stdin?.end();
    let out = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    const done = collect(child);
    await waitFor(() => out.length > 100, 30_000, "the reply to stream");
    child.kill("SIGKILL");
    await done;
    const list = await historyList(home);
    assert.equal(list.length, 1);
    assert.equal(list[0].messages, 1);
    const shown = JSON.parse((await ok(["history", "show", list[0].id, "--json"], home)).stdout);
    assert.equal(JSON.stringify(shown).includes("Tell me everything"), true);
    // The conversation goes on from what was saved.
    await ok(["-m", fixture("script"), "-c", "Again"], home);
    assert.equal((await historyList(home))[0].messages, 3);
  });

  it("eight one-shot runs at once each save their own whole conversation", async () => {
    const home = tempHome();
    const runs = Array.from({ length: 8 }, (_, i) =>
      runParley(["-m", fixture("script"), `question number ${i}`], { home }),
    );
    const results = await Promise.all(runs);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const list = await historyList(home);
    assert.equal(list.length, 8);
    for (const c of list) {
      assert.equal(c.messages, 2);
      assert.equal(c.damaged, undefined);
      const exported = JSON.parse((await ok(["history", "export", c.id], home)).stdout);
      assert.match(exported[0].content, /^question number \d$/);
      assert.equal(exported[1].content, SCRIPT_REPLY);
    }
  });

  it("resumes from a saved model state when it matches, and reads the conversation again when not", async () => {
    const home = tempHome();
    const m = fixture("script");
    // A short one-shot run saves no model state (re-reading it is quick); a run that continues a
    // conversation does.
    await ok(["-m", m, "Hi"], home);
    const snapshots = join(home, "snapshots");
    assert.deepEqual(readdirSync(join(home)).includes("snapshots") ? readdirSync(snapshots) : [], []);
    await ok(["-m", m, "-c", "Tell me about cats"], home);
    assert.ok(readdirSync(snapshots).some((f) => f.endsWith(".state")));
    const resumed = await ok(["-m", m, "--stats", "-c", "and dogs?"], home);
    assert.match(resumed.stderr, /resume: snapshot loaded, \d+ prompt tokens reused/);
    // Another model file: the state is not loaded, the conversation is read again.
    const other = await ok(["-m", fixture("llama3"), "--stats", "-c", "and birds?"], home);
    assert.match(other.stderr, /resume: no usable snapshot \(it was made with another model file\)/);
    assert.equal(other.stdout, `${SCRIPT_REPLY}\n`);
    // A damaged state file is never loaded.
    for (const f of readdirSync(snapshots).filter((x) => x.endsWith(".state")))
      writeFileSync(join(snapshots, f), "junk");
    const damaged = await ok(["-m", fixture("llama3"), "--stats", "-c", "and fish?"], home);
    assert.match(damaged.stderr, /resume: no usable snapshot \(it is damaged\)/);
    assert.equal(damaged.stdout, `${SCRIPT_REPLY}\n`);
    // history rm removes the snapshot with the conversation.
    const [conversation] = await historyList(home);
    await ok(["history", "rm", conversation.id], home);
    assert.deepEqual(
      readdirSync(snapshots).filter((f) => f.startsWith(conversation.id)),
      [],
    );
  });

  it("a conversation whose oldest messages no longer fit still resumes from its saved state", async () => {
    const home = tempHome();
    const run = (prompt: string, first = false) =>
      ok(
        [...(first ? [] : ["-c"]), "-m", fixture("loop"), "--context-size", "256", "-n", "40", "--stats", prompt],
        home,
      );
    await run("the first question, in a few words", true);
    const notices: string[] = [];
    for (let i = 2; i <= 6; i++) notices.push((await run(`question number ${i}, in a few more words`)).stderr);
    // Every run after the first drop found the state made of what the model saw.
    const dropped = notices.findIndex((e) => /no longer fit/.test(e));
    assert.ok(dropped >= 0 && dropped < 3, notices.join("\n---\n"));
    for (const stderr of notices.slice(dropped + 1)) {
      assert.match(stderr, /resume: snapshot loaded, \d+ prompt tokens reused/);
      assert.doesNotMatch(stderr, /no usable snapshot/);
    }
    // What was left out before is not said to be left out again.
    for (const stderr of notices.slice(dropped + 1).filter((e) => /no longer fit/.test(e)))
      assert.match(stderr, /\(\d+ in all\)/);
  });

  it("saves no snapshot with snapshot-cap-mb 0", async () => {
    const home = tempHome();
    await ok(["config", "set", "snapshot-cap-mb", "0"], home);
    await ok(["-m", fixture("script"), "Hi"], home);
    const files = (() => {
      try {
        return readdirSync(join(home, "snapshots"));
      } catch {
        return [];
      }
    })();
    assert.deepEqual(
      files.filter((f) => f.endsWith(".state")),
      [],
    );
  });
});
