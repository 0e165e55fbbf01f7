/**
 * The built CLI at its edges: mistyped commands are refused and nothing is sent or saved, stop
 * texts with escapes from every source stop a real reply, config keys that are not keys, and help
 * for any command.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { writeGguf } from "../fixtures/gguf-writer.ts";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-cli-edges-"));
/** Replies "One", a blank line, then "Two". */
const blankLine = writeGguf(join(dir, "blank-line.gguf"), { weights: "script", script: ["One", "\n\n", "Two"] });

function savedConversations(home: string): string[] {
  const folder = join(home, "conversations");
  return existsSync(folder) ? readdirSync(folder).filter((n) => n.endsWith(".jsonl")) : [];
}

describe("a mistyped command", () => {
  for (const words of [["histroy"], ["hsitory", "list"], ["modles", "list"], ["confg"], ["doctr"], ["model", "list"]]) {
    it(`"parley ${words.join(" ")}" is refused with a suggestion, nothing sent or saved`, async () => {
      const home = tempHome();
      const r = await runParley(["-m", fixture("script"), ...words], { home });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^parley: ".*" is not a parley command; did you mean ".*"\? .*parley -- /);
      assert.equal(r.stderr.split("\n").length, 2);
      assert.deepEqual(savedConversations(home), []);
    });
  }

  it("is sent as a prompt after --", async () => {
    const home = tempHome();
    const r = await runParley(["-m", fixture("script"), "--", "histroy"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SCRIPT_REPLY}\n`);
    assert.equal(savedConversations(home).length, 1);
  });
});

describe("stop texts with escapes, from every source", () => {
  const reply = async (args: string[], home = tempHome(), env: Record<string, string> = {}) => {
    const r = await runParley(["-m", blankLine, ...args, "--json", "Hi"], { home, env });
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { choices: { message: { content: string } }[] }).choices[0]?.message.content;
  };

  it("runs to the end without a stop text", async () => {
    assert.equal(await reply([]), "One\n\nTwo");
  });

  it("--stop, as text with escapes or a JSON array", async () => {
    assert.equal(await reply(["--stop", "\\n\\n"]), "One");
    assert.equal(await reply(["--stop", '["zzz", "\\n\\n"]']), "One");
    assert.equal(await reply(["--stop", "\\u0054wo"]), "One\n\n");
  });

  it("PARLEY_STOP and config set stop", async () => {
    assert.equal(await reply([], tempHome(), { PARLEY_STOP: "\\n\\n" }), "One");
    const home = tempHome();
    const set = await runParley(["config", "set", "stop", "\\n\\n"], { home });
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await runParley(["config", "get", "stop"], { home })).stdout, '["\\n\\n"]\n');
    assert.equal(await reply([], home), "One");
  });

  it("prompts add --stop, as the README shows it", async () => {
    const home = tempHome();
    const add = await runParley(["prompts", "add", "terse", "Answer in one line.", "--stop", "\\n\\n"], { home });
    assert.equal(add.code, 0, add.stderr);
    assert.equal(await reply(["-p", "terse"], home), "One");
  });

  it("a stop text that cannot be read is refused, naming where it came from", async () => {
    const r = await runParley(["-m", blankLine, "Hi"], { env: { PARLEY_STOP: "[]]" } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^parley: invalid value for PARLEY_STOP/);
  });
});

describe("config keys that are not keys", () => {
  for (const key of ["temperature ", " temperature", "constructor", "__proto__", "toString"]) {
    it(`config set ${JSON.stringify(key)} is an unknown key, and nothing is written`, async () => {
      const home = tempHome();
      const r = await runParley(["config", "set", key, "0.5"], { home });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^parley: unknown config key/);
      assert.equal(existsSync(join(home, "config.json")), false);
      const get = await runParley(["config", "get", key], { home });
      assert.equal(get.code, 2, get.stderr);
    });
  }
});

describe("built-in object names elsewhere", () => {
  it("are unknown models, aliases and presets", async () => {
    const home = tempHome();
    for (const args of [
      ["-m", "constructor", "Hi"],
      ["models", "alias", "constructor"],
      ["models", "alias", "--rm", "toString"],
      ["models", "rm", "__proto__"],
      ["-p", "constructor", "Hi"],
      ["prompts", "show", "toString"],
      ["--template", "constructor", "Hi"],
    ]) {
      const r = await runParley(args, { home });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^parley: (no |unknown )/, args.join(" "));
      assert.equal(r.stdout, "");
    }
    assert.equal(existsSync(join(home, "models", "aliases.json")), false);
  });
});

describe("help", () => {
  it("for an unknown command is an error with the closest command", async () => {
    const r = await runParley(["help", "nosuch"]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^parley: unknown command "nosuch"/);
    const near = await runParley(["help", "modles"]);
    assert.equal(near.code, 2);
    assert.match(near.stderr, /did you mean "models"/);
  });

  it("for a nested command shows that command", async () => {
    const r = await runParley(["help", "models", "pull"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: parley models pull /);
    for (const [group, sub] of [
      ["models", "pull"],
      ["config", "set"],
    ] as const) {
      const inGroup = await runParley([group, "help", sub]);
      assert.equal(inGroup.code, 0, inGroup.stderr);
      assert.match(inGroup.stdout, new RegExp(`^Usage: parley ${group} ${sub} `));
    }
    const unknown = await runParley(["config", "help", "nosuch"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^parley: unknown command "nosuch" of "parley config"/);
    assert.match((await runParley(["help"])).stdout, /^Usage: parley /);
  });

  it("parley models alone lists the models, like models list", async () => {
    const home = tempHome();
    const alone = await runParley(["models", "--json"], { home });
    const list = await runParley(["models", "list", "--json"], { home });
    assert.equal(alone.code, 0, alone.stderr);
    assert.equal(alone.stdout, list.stdout);
    assert.deepEqual(JSON.parse(alone.stdout), []);
    const bad = await runParley(["models", "lsit"], { home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /did you mean "list"/);
  });
});
