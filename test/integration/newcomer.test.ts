/**
 * The command line as a newcomer meets it, through the built CLI: options before a subcommand,
 * `parley help`, other tools' command words, command groups run alone, setting names in any
 * spelling with suggestions, presets with stop texts, `config set model` checks, the chat's own
 * options, which conversation `-c` continues, `~` in paths, and errors in words.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConversationWriter } from "../../src/store/conversation-writer.ts";
import { Term } from "../e2e/tmux.ts";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

/** What no message of parley may contain: an exception's class name or an error code. */
const LEAKS = /\b(E[A-Z]{3,}|[A-Z][a-zA-Z]+Error)\b|\bat .*\.js:\d+/;

function conversations(home: string): string[] {
  try {
    return readdirSync(join(home, "conversations")).filter((n) => n.endsWith(".jsonl"));
  } catch {
    return [];
  }
}

function save(home: string, user: string, time: Date): string {
  const w = ConversationWriter.create(
    { model: { name: "script.gguf", path: fixture("script") }, template: "ChatML", source: "one-shot" },
    join(home, "conversations"),
  );
  w.append({ role: "user", content: user, time });
  w.append({ role: "assistant", content: SCRIPT_REPLY, tokens: { prompt: 9, completion: 5 }, time });
  w.close();
  return w.id;
}

describe("the command line for a newcomer", { timeout: 300_000 }, () => {
  const terms: Term[] = [];
  after(() => terms.forEach((t) => t.kill()));

  it("gives options before a subcommand to it: parley -m model chat, parley -m S -n 20 chat -c", async () => {
    const home = tempHome();
    const first = await runParley(["-m", fixture("script"), "remember the word teal"], { home });
    assert.equal(first.code, 0, first.stderr);
    const term = Term.start(["-m", fixture("script"), "-n", "20", "chat", "-c"], { home });
    terms.push(term);
    const screen = await term.waitFor((s) => /^idle · ctx/m.test(s), 90_000);
    assert.match(screen, /parley · script\.gguf/);
    assert.match(screen, /remember the word teal/);
    term.press("C-d");
    assert.equal(await term.waitForExit(), 0);

    const bare = Term.start(["-m", fixture("script"), "chat"], { home });
    terms.push(bare);
    assert.match(await bare.waitFor((s) => /^idle · ctx/m.test(s), 90_000), /parley · script\.gguf/);
    bare.press("C-d");
    assert.equal(await bare.waitForExit(), 0);
  });

  it("refuses an option the subcommand cannot use, saying where it belongs", async () => {
    const r = await runParley(["-m", "x.gguf", "history", "list"]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `parley: --model does not apply to "parley history list"; it is an option for chatting (parley --model ... "a prompt", or parley chat --model ...)\n`,
    );
  });

  it("prints help for parley help and parley help <command>", async () => {
    const help = await runParley(["help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: parley \[options\] \[command\] \[prompt\.\.\.\]/);
    assert.match(help.stdout, /write it after -- to send it anyway/);
    const config = await runParley(["help", "config"]);
    assert.equal(config.code, 0, config.stderr);
    assert.match(config.stdout, /^Usage: parley config/);
  });

  it("answers other tools' command words in one line, exit 2, and saves nothing", async () => {
    const home = tempHome();
    const words = [["list"], ["pull", "x"], ["version"], ["run", "x"], ["show"], ["ps"], ["rm", "x"], ["ls"]];
    for (const args of words) {
      const r = await runParley(["-m", fixture("script"), ...args], { home });
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.stdout, "");
      assert.match(
        r.stderr,
        new RegExp(`^parley: "${args[0]}" is not a parley command: .*parley -- ${args.join(" ")}\\n$`),
      );
    }
    assert.deepEqual(conversations(home), []);
  });

  it("sends such a word as a prompt after -- or quoted as more than one word", async () => {
    const home = tempHome();
    const escaped = await runParley(["-m", fixture("script"), "--", "list"], { home });
    assert.equal(escaped.code, 0, escaped.stderr);
    assert.equal(escaped.stdout, `${SCRIPT_REPLY}\n`);
    const quoted = await runParley(["-m", fixture("script"), "run the tests"], { home });
    assert.equal(quoted.code, 0, quoted.stderr);
    assert.equal(conversations(home).length, 2);
  });

  it("runs list for config, history and prompts given alone, and suggests for a misspelt command", async () => {
    const home = tempHome();
    await runParley(["config", "set", "temperature", "0.3"], { home });
    await runParley(["prompts", "add", "brief", "Be brief."], { home });
    save(home, "Tell me about Rome", new Date());
    assert.equal((await runParley(["config"], { home })).stdout, "temperature = 0.3\n");
    assert.deepEqual(JSON.parse((await runParley(["config", "--json"], { home })).stdout), { temperature: 0.3 });
    assert.match((await runParley(["prompts"], { home })).stdout, /^brief +Be brief\.\n$/);
    assert.match((await runParley(["history"], { home })).stdout, /^ID .*\n.*Tell me about Rome\n$/);
    assert.equal(JSON.parse((await runParley(["history", "--json"], { home })).stdout).length, 1);
    const typo = await runParley(["history", "lst"], { home });
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /^parley: unknown command "history lst"; did you mean "list"\? \(commands: list, show/);
  });

  it("accepts top_p, topP and top-p alike and suggests the closest key", async () => {
    const home = tempHome();
    for (const [name, value] of [
      ["top_p", "0.5"],
      ["topP", "0.6"],
      ["top-p", "0.7"],
    ] as const) {
      const r = await runParley(["config", "set", name, value], { home });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await runParley(["config", "get", name], { home })).stdout, `${value}\n`);
    }
    assert.deepEqual(JSON.parse(readFileSync(join(home, "config.json"), "utf8")), { "top-p": 0.7 });
    assert.equal((await runParley(["config", "unset", "TOP_P"], { home })).code, 0);
    const typo = await runParley(["config", "set", "tmperature", "1"], { home });
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /^parley: unknown config key "tmperature"; did you mean "temperature"\? \(known keys: /);
  });

  it("keeps stop texts in presets, reads any spelling in the presets file, and suggests for unknown ones", async () => {
    const home = tempHome();
    const add = await runParley(["prompts", "add", "cut", "Be brief.", "--stop", " parley", "--top_k", "5"], { home });
    assert.equal(add.code, 0, add.stderr);
    assert.match(
      (await runParley(["prompts", "show", "cut"], { home })).stdout,
      /parameters: top-k=5 stop=\[" parley"\]/,
    );
    const run = await runParley(["-m", fixture("script"), "-p", "cut", "--json", "Hi"], { home });
    assert.equal(run.code, 0, run.stderr);
    const reply = JSON.parse(run.stdout) as { choices: { message: { content: string }; finish_reason: string }[] };
    assert.equal(reply.choices[0]?.message.content, "Hello from");
    assert.equal(reply.choices[0]?.finish_reason, "stop");

    const file = join(home, "presets.json");
    const presets = { version: 1, presets: { p: { system: "S.", params: { top_p: 0.5, topK: 3 } } } };
    writeFileSync(file, JSON.stringify(presets));
    assert.match((await runParley(["prompts", "show", "p"], { home })).stdout, /parameters: top-p=0\.5 top-k=3/);
    presets.presets.p.params = { tempreture: 1 } as never;
    writeFileSync(file, JSON.stringify(presets));
    const bad = await runParley(["prompts", "list"], { home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown parameter "tempreture"; did you mean "temperature"\?/);
    const missing = await runParley(["-m", fixture("script"), "-p", "brif", "Hi"], { home });
    assert.equal(missing.code, 2);
  });

  it("checks the model file config set model is given", async () => {
    const home = tempHome();
    const env = { HOME: home };
    const none = await runParley(["config", "set", "model", join(home, "none.gguf")], { home, env });
    assert.equal(none.code, 2);
    assert.equal(none.stderr, `parley: cannot use model ${join(home, "none.gguf")}: no such file\n`);
    const folder = await runParley(["config", "set", "model", home], { home, env });
    assert.match(folder.stderr, /it is a folder, not a GGUF file/);
    writeFileSync(join(home, "notes.gguf"), "just some text");
    const text = await runParley(["config", "set", "model", "~/notes.gguf"], { home, env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, /^parley: warning: .*notes\.gguf does not look like a GGUF model file/);
    assert.equal((await runParley(["config", "get", "model"], { home })).stdout, `${join(home, "notes.gguf")}\n`);
    const good = await runParley(["config", "set", "model", fixture("script")], { home, env });
    assert.deepEqual([good.code, good.stderr], [0, ""]);
  });

  it("lists only the chat's own options in parley chat --help and refuses the others", async () => {
    const help = await runParley(["chat", "--help"]);
    assert.equal(help.code, 0);
    for (const flag of ["--json", "--jsonl", "--stats", "--raw"]) assert.ok(!help.stdout.includes(flag), flag);
    assert.match(help.stdout, /--model/);
    for (const args of [
      ["chat", "--json"],
      ["--stats", "chat"],
      ["-i", "--raw", "hi"],
    ]) {
      const r = await runParley(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /^parley: --\w+ is for one-shot runs \(parley --\w+ "a prompt"\); .* does not use it\n$/);
    }
  });

  it("continues the conversation with the latest message, whatever was renamed since", async () => {
    const home = tempHome();
    const older = save(home, "older question", new Date(Date.now() - 60_000));
    const newer = save(home, "newer question", new Date());
    assert.equal((await runParley(["history", "rename", older, "Renamed", "later"], { home })).code, 0);
    const list = JSON.parse((await runParley(["history", "list", "--json"], { home })).stdout) as { id: string }[];
    assert.deepEqual(
      list.map((c) => c.id),
      [newer, older],
    );
    const more = await runParley(["-m", fixture("script"), "-c", "and more"], { home });
    assert.equal(more.code, 0, more.stderr);
    const counts = JSON.parse((await runParley(["history", "list", "--json"], { home })).stdout) as {
      id: string;
      messages: number;
    }[];
    assert.deepEqual(
      counts.map((c) => [c.id, c.messages]),
      [
        [newer, 4],
        [older, 2],
      ],
    );
  });

  it("expands ~ in paths and says what is wrong with a path in words", async () => {
    const home = tempHome();
    const env = { HOME: home };
    writeFileSync(join(home, "poet.txt"), "You write verse.");
    const add = await runParley(["prompts", "add", "poet", "--file", "~/poet.txt"], { home, env });
    assert.equal(add.code, 0, add.stderr);
    const id = save(home, "Say hello", new Date());
    const exported = await runParley(["history", "export", id, "-o", "~/out.json"], { home, env });
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(JSON.parse(readFileSync(join(home, "out.json"), "utf8")).length, 2);

    mkdirSync(join(home, "dir"));
    const cases: [string[], string][] = [
      [
        ["history", "export", id, "-o", "/nonexistent/dir/x.json"],
        "cannot write /nonexistent/dir/x.json: no such folder: /nonexistent/dir",
      ],
      [
        ["prompts", "add", "x", "--file", "/nonexistent/p.txt"],
        "cannot read system prompt file /nonexistent/p.txt: no such file",
      ],
      [
        ["prompts", "add", "x", "--file", join(home, "dir")],
        `cannot read system prompt file ${join(home, "dir")}: it is a directory, not a file`,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await runParley(args, { home, env });
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.stderr, `parley: ${message}\n`);
      assert.doesNotMatch(r.stderr, LEAKS);
    }
  });
});
