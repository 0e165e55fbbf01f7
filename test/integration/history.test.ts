import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConversationWriter } from "../../src/store/conversation-writer.ts";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

const MODEL = { name: "script.gguf", path: "/models/script.gguf" };

function save(home: string, user: string, opts: { system?: string; reply?: string; time?: Date } = {}): string {
  const w = ConversationWriter.create(
    { model: MODEL, template: "ChatML", source: "one-shot", ...(opts.system ? { system: opts.system } : {}) },
    join(home, "conversations"),
  );
  const time = opts.time ?? new Date();
  w.append({ role: "user", content: user, time });
  w.append({
    role: "assistant",
    content: opts.reply ?? "Hello from parley!",
    tokens: { prompt: 9, completion: 5 },
    time,
  });
  w.close();
  return w.id;
}

function writeRaw(home: string, id: string, text: string): void {
  mkdirSync(join(home, "conversations"), { recursive: true });
  writeFileSync(join(home, "conversations", `${id}.jsonl`), text);
}

describe("parley history", () => {
  it("lists, shows, searches and renames conversations", async () => {
    const home = tempHome();
    const run = (...args: string[]) => runParley(["history", ...args], { home });
    const none = await run("list");
    assert.deepEqual([none.code, none.stdout], [0, ""]);
    assert.match(none.stderr, /no saved conversations/);
    const a = save(home, "Tell me about Rome", { system: "Be nice.", time: new Date(Date.now() - 60_000) });
    const b = save(home, "Tell me about Paris");
    const list = await run("list");
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^ID +LAST ACTIVITY +MSGS +MODEL +TITLE$/);
    assert.match(lines[1] ?? "", new RegExp(`^${b} .* 2 +script\\.gguf +Tell me about Paris$`));
    assert.match(lines[2] ?? "", new RegExp(`^${a} .* 2 +script\\.gguf +Tell me about Rome$`));
    const json = JSON.parse((await run("list", "--json", "-n", "1")).stdout);
    assert.equal(json.length, 1);
    assert.equal(json[0].id, b);
    assert.equal(json[0].messages, 2);

    const show = await run("show", a.slice(0, 5));
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^Tell me about Rome\nid .* · script\.gguf · 2 messages/);
    assert.match(show.stdout, /system: Be nice\./);
    assert.match(show.stdout, /── assistant · .* · 5 tokens\nHello from parley!\n$/);
    const shown = JSON.parse((await run("show", a, "--json")).stdout);
    assert.equal(shown.header.system, "Be nice.");
    assert.equal(shown.messages.length, 2);

    const search = await run("search", "ROME");
    assert.equal(search.stdout, `${a}  Tell me about Rome\n    Tell me about Rome\n`);
    assert.equal(JSON.parse((await run("search", "parley", "--json")).stdout).length, 2);

    assert.equal((await run("rename", a, "Roman", "holiday")).code, 0);
    assert.match((await run("list")).stdout, new RegExp(`^${a} .* Roman holiday$`, "m"));
  });

  it("exports JSON that --messages accepts, and Markdown to a file", async () => {
    const home = tempHome();
    const id = save(home, "Say hello", { system: "Be nice." });
    const exported = await runParley(["history", "export", id], { home });
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual(JSON.parse(exported.stdout), [
      { role: "system", content: "Be nice." },
      { role: "user", content: "Say hello" },
      { role: "assistant", content: "Hello from parley!" },
    ]);
    const file = join(home, "chat.json");
    writeFileSync(file, exported.stdout);
    const replay = await runParley(["-m", fixture("script"), "--messages", file, "again"], { home });
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal(replay.stdout.trim(), SCRIPT_REPLY);
    const md = join(home, "chat.md");
    assert.equal((await runParley(["history", "export", id, "--format", "md", "-o", md], { home })).code, 0);
    assert.match(
      readFileSync(md, "utf8"),
      /^# Say hello\n[\s\S]*## User\n\nSay hello\n\n## Assistant\n\nHello from parley!\n$/,
    );
    const bad = await runParley(["history", "export", id, "--format", "pdf"], { home });
    assert.equal(bad.code, 2);
  });

  it("reports a torn last line and lists a damaged file without breaking others", async () => {
    const home = tempHome();
    const good = save(home, "Fine");
    const torn = save(home, "Torn one");
    const tornPath = join(home, "conversations", `${torn}.jsonl`);
    writeFileSync(tornPath, `${readFileSync(tornPath, "utf8")}{"type":"message","time":"2026-01-01T00:`);
    writeRaw(home, "dead00", "\u0000\u0001 not json\n");
    const list = await runParley(["history", "list"], { home });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${good} .* Fine$`, "m"));
    assert.match(list.stdout, new RegExp(`^${torn} .* Torn one  \\(last line torn\\)$`, "m"));
    assert.match(list.stdout, /^dead00 .*\(damaged: the first line is not a conversation header\)$/m);
    const show = await runParley(["history", "show", torn], { home });
    assert.equal(show.code, 0);
    assert.match(show.stderr, /warning: the last line of .* was cut short .* and was skipped/);
    assert.match(show.stdout, /2 messages/);
    const json = JSON.parse((await runParley(["history", "list", "--json"], { home })).stdout) as {
      id: string;
      damaged?: string;
    }[];
    assert.equal(json.find((c) => c.id === "dead00")?.damaged, "the first line is not a conversation header");
  });

  it("refuses unknown and ambiguous ids with exit 2", async () => {
    const home = tempHome();
    const header = (id: string) =>
      `${JSON.stringify({ type: "header", version: 1, id, created: "2026-01-01T00:00:00Z", model: MODEL })}\n`;
    writeRaw(home, "abc123", header("abc123"));
    writeRaw(home, "abd456", header("abd456"));
    for (const args of [
      ["show", "ab"],
      ["rm", "ab"],
      ["rename", "ab", "t"],
      ["export", "ab"],
    ]) {
      const r = await runParley(["history", ...args], { home });
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(
        r.stderr,
        'parley: ambiguous id "ab": it starts 2 conversations (abc123, abd456); give more characters\n',
      );
    }
    for (const args of [
      ["show", "zz"],
      ["rm", "zz"],
      ["export", "zz"],
      ["show", "../x"],
    ]) {
      const r = await runParley(["history", ...args], { home });
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /^parley: no conversation ".*" \(see "parley history list"\)\n$/);
    }
    const limit = await runParley(["history", "list", "-n", "0"], { home });
    assert.equal(limit.code, 2);
    assert.match(limit.stderr, /invalid value for -n, --limit: "0"/);
    assert.equal((await runParley(["history", "show", "abc"], { home })).code, 0);
  });

  it("runs its list when no subcommand is given, and suggests for a misspelt one", async () => {
    const lists: Record<string, RegExp> = {
      history: /^no saved conversations\n$/,
      config: /^nothing is set in /,
      prompts: /^no presets yet/,
    };
    for (const [group, stderr] of Object.entries(lists)) {
      const r = await runParley([group]);
      assert.equal(r.code, 0, group);
      assert.match(r.stderr, stderr);
    }
    const typo = await runParley(["history", "lst"]);
    assert.equal(typo.code, 2);
    assert.equal(
      typo.stderr,
      'parley: unknown command "history lst"; did you mean "list"? (commands: list, show, search, rename, export, rm, clear)\n',
    );
  });

  it("removes one conversation, and clears all only when confirmed", async () => {
    const home = tempHome();
    const a = save(home, "One");
    save(home, "Two");
    save(home, "Three");
    assert.equal((await runParley(["history", "rm", a.slice(0, 6)], { home })).code, 0);
    assert.equal(existsSync(join(home, "conversations", `${a}.jsonl`)), false);
    const refused = await runParley(["history", "clear"], { home });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /confirm with --yes \(stdin is not a terminal\)/);
    assert.equal(JSON.parse((await runParley(["history", "list", "--json"], { home })).stdout).length, 2);
    const cleared = await runParley(["history", "clear", "--yes"], { home });
    assert.equal(cleared.code, 0);
    assert.match(cleared.stderr, /deleted 2 conversations/);
    assert.equal((await runParley(["history", "list", "--json"], { home })).stdout, "[]\n");
  });
});
