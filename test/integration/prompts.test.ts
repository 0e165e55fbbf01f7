import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runParley, tempHome } from "../helpers/cli.ts";

describe("parley prompts", () => {
  it("adds presets from arguments, a file and stdin, and lists and shows them", async () => {
    const home = tempHome();
    const run = (args: string[], input?: string) => runParley(["prompts", ...args], { home, input });
    const empty = await run(["list"]);
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, "");
    assert.match(empty.stderr, /no presets yet/);
    assert.equal(
      (await run(["add", "coder", "You", "write", "code.", "--temperature", "0.2", "--top-p", "0.9"])).code,
      0,
    );
    writeFileSync(join(home, "poet.txt"), "You write poems.\nIn rhyme.\n");
    assert.equal((await run(["add", "poet", "--file", join(home, "poet.txt")])).code, 0);
    assert.equal((await run(["add", "brief"], "Be brief.\n")).code, 0);
    const list = await run(["list"]);
    assert.equal(
      list.stdout,
      "brief  Be brief.\ncoder  You write code.  [temperature=0.2 top-p=0.9]\npoet   You write poems.\n",
    );
    assert.equal((await run(["show", "poet"])).stdout, "You write poems.\nIn rhyme.\n");
    assert.equal((await run(["show", "coder"])).stdout, "You write code.\n\nparameters: temperature=0.2 top-p=0.9\n");
    const json = JSON.parse((await run(["show", "coder", "--json"])).stdout);
    assert.deepEqual(
      [json.name, json.system, json.params],
      ["coder", "You write code.", { temperature: 0.2, "top-p": 0.9 }],
    );
    assert.equal(JSON.parse((await run(["list", "--json"])).stdout).length, 3);
    assert.equal(statSync(join(home, "presets.json")).mode & 0o777, 0o600);
  });

  it("edits with flags, a file or $EDITOR, and removes", async () => {
    const home = tempHome();
    const run = (args: string[], env?: Record<string, string>) => runParley(["prompts", ...args], { home, env });
    await run(["add", "p", "Old text."]);
    assert.equal((await run(["edit", "p", "--max-tokens", "50"])).code, 0);
    assert.equal((await run(["show", "p"])).stdout, "Old text.\n\nparameters: max-tokens=50\n");
    const editor = join(home, "editor.mjs");
    writeFileSync(
      editor,
      `import { readFileSync, writeFileSync } from "node:fs";\nconst f = process.argv.at(-1);\nwriteFileSync(f, readFileSync(f, "utf8").replace("Old", "New"));\n`,
    );
    const edited = await run(["edit", "p"], { EDITOR: `${process.execPath} ${editor}` });
    assert.equal(edited.code, 0, edited.stderr);
    assert.equal((await run(["show", "p"])).stdout, "New text.\n\nparameters: max-tokens=50\n");
    writeFileSync(join(home, "t.txt"), "From a file.");
    assert.equal((await run(["edit", "p", "--file", join(home, "t.txt")])).code, 0);
    assert.equal((await run(["show", "p"])).stdout, "From a file.\n\nparameters: max-tokens=50\n");
    assert.equal((await run(["rm", "p"])).code, 0);
    assert.equal((await run(["list", "--json"])).stdout, "[]\n");
  });

  it("refuses bad input with exit 2 and one line", async () => {
    const home = tempHome();
    await runParley(["prompts", "add", "alpha", "A."], { home });
    await runParley(["prompts", "add", "beta", "B."], { home });
    const cases: [string[], RegExp, string?][] = [
      [["show", "gamma"], /^parley: no preset "gamma" \(known presets: alpha, beta\)\n$/],
      [["rm", "gamma"], /no preset "gamma" \(known presets: alpha, beta\)/],
      [["edit", "gamma", "--temperature", "1"], /no preset "gamma" \(known presets: alpha, beta\)/],
      [
        ["add", "alpha", "again"],
        /preset "alpha" already exists; change it with "parley prompts edit alpha" or add --force/,
      ],
      [
        ["add", "x", "hi", "--temperature", "5"],
        /invalid value for --temperature: "5" \(expected a number from 0 to 2\)/,
      ],
      [["add", "x", "hi", "--top-k", "1.5"], /--top-k: "1.5" \(expected a whole number/],
      [["add", "bad/name", "hi"], /invalid preset name "bad\/name"/],
      [["add", "x"], /the system prompt is empty/, ""],
      [["add", "x", "--file", "/no/such/file"], /cannot read system prompt file \/no\/such\/file: no such file\n$/],
      [["add", "x", "text", "--file", "/etc/hostname"], /give the text or --file, not both/],
    ];
    for (const [args, expected, input] of cases) {
      const r = await runParley(["prompts", ...args], { home, input });
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, expected);
      assert.equal(r.stderr.split("\n").length, 2);
    }
    assert.equal((await runParley(["prompts", "add", "alpha", "again", "--force"], { home })).code, 0);
    assert.equal((await runParley(["prompts", "show", "alpha"], { home })).stdout, "again\n");
  });

  it("reports a damaged presets file and leaves it as it was", async () => {
    const home = tempHome();
    const file = join(home, "presets.json");
    writeFileSync(file, '{"presets": {"a": {"system": 1}}}');
    for (const args of [["list"], ["show", "a"], ["add", "b", "text"], ["rm", "a"]]) {
      const r = await runParley(["prompts", ...args], { home });
      assert.equal(r.code, 2, args.join(" "));
      assert.ok(r.stderr.includes(file));
    }
    assert.equal(readFileSync(file, "utf8"), '{"presets": {"a": {"system": 1}}}');
  });
});
