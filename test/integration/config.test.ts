import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BIN, runParley, tempHome } from "../helpers/cli.ts";

function editorScript(home: string, text: string): string {
  const script = join(home, "editor.mjs");
  writeFileSync(
    script,
    `import { writeFileSync } from "node:fs";\nwriteFileSync(process.argv.at(-1), ${JSON.stringify(text)});\n`,
  );
  return `${process.execPath} ${script}`;
}

describe("parley config", () => {
  it("sets, gets, lists and unsets values in a 0600 file", async () => {
    const home = tempHome();
    const run = (...args: string[]) => runParley(["config", ...args], { home });
    const nothing = await run("list");
    assert.deepEqual([nothing.code, nothing.stdout], [0, ""]);
    assert.match(nothing.stderr, /nothing is set in .*config\.json/);
    assert.equal((await run("set", "temperature", "0.3")).code, 0);
    assert.equal((await run("set", "gpu-layers", "max")).code, 0);
    assert.equal((await run("set", "system", "You are terse.")).code, 0);
    const file = join(home, "config.json");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal((await run("get", "temperature")).stdout, "0.3\n");
    assert.equal((await run("get", "top-p")).stdout, "0.95\n");
    assert.equal((await run("get", "system")).stdout, "You are terse.\n");
    assert.equal((await run("list")).stdout, 'temperature = 0.3\ngpu-layers = max\nsystem = "You are terse."\n');
    assert.deepEqual(JSON.parse((await run("list", "--json")).stdout), {
      temperature: 0.3,
      "gpu-layers": "max",
      system: "You are terse.",
    });
    assert.equal((await run("path")).stdout, `${file}\n`);
    writeFileSync(join(home, "m.gguf"), "");
    const rel = spawnSync(process.execPath, [BIN, "config", "set", "model", "m.gguf"], {
      cwd: home,
      env: { ...process.env, PARLEY_HOME: home },
      encoding: "utf8",
    });
    assert.equal(rel.status, 0, rel.stderr);
    assert.equal((await run("get", "model")).stdout, `${join(home, "m.gguf")}\n`);
    assert.equal((await run("unset", "temperature")).code, 0);
    assert.equal((await run("get", "temperature")).stdout, "0.8\n");
  });

  it("shows each value's source with --effective", async () => {
    const home = tempHome();
    await runParley(["config", "set", "temperature", "0.3"], { home });
    await runParley(["config", "set", "top-k", "5"], { home });
    const env = { PARLEY_TOP_K: "9" };
    const text = await runParley(["config", "list", "--effective"], { home, env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^temperature +0\.3 +config$/m);
    assert.match(text.stdout, /^top-k +9 +env PARLEY_TOP_K$/m);
    assert.match(text.stdout, /^top-p +0\.95 +default$/m);
    assert.match(text.stdout, /^context-size +\(the model's, at most 8192\) +default$/m);
    const json = JSON.parse((await runParley(["config", "list", "--effective", "--json"], { home, env })).stdout) as {
      key: string;
    }[];
    assert.deepEqual(
      json.find((r) => r.key === "top-k"),
      {
        key: "top-k",
        env: "PARLEY_TOP_K",
        value: 9,
        source: "env",
      },
    );
    await runParley(["prompts", "add", "cold", "Be exact.", "--temperature", "0"], { home });
    await runParley(["config", "set", "preset", "cold"], { home });
    const withPreset = await runParley(["config", "list", "--effective"], { home, env });
    assert.match(withPreset.stdout, /^temperature +0 +preset$/m);
    assert.match(withPreset.stdout, /^system +"Be exact\." +preset$/m);
    assert.match(withPreset.stdout, /^preset +cold +config$/m);
    const bad = await runParley(["config", "list", "--effective"], { home, env: { PARLEY_TEMPERATURE: "hot" } });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'parley: invalid value for PARLEY_TEMPERATURE: "hot" (expected a number from 0 to 2)\n');
  });

  it("refuses unknown keys and bad values with exit 2, naming the key and the allowed values", async () => {
    const home = tempHome();
    const cases: [string[], RegExp][] = [
      [
        ["set", "temp", "1"],
        /^parley: unknown config key "temp" \(known keys: model, temperature, top-p, .*snapshot-cap-mb\)\n$/,
      ],
      [["get", "temp"], /unknown config key "temp"/],
      [["unset", "temp"], /unknown config key "temp"/],
      [
        ["set", "temperature", "hot"],
        /^parley: invalid value for config key "temperature": "hot" \(expected a number from 0 to 2\)\n$/,
      ],
      [["set", "gpu", "tpu"], /"gpu": "tpu" \(expected one of auto, cuda, vulkan, metal, off\)/],
      [["set", "context-size", "8"], /"context-size": "8" \(expected auto or a whole number from 16 to 10000000\)/],
      [["set", "markdown", "perhaps"], /expected true or false/],
      [["set", "template", "nope"], /expected one of auto, jinja, chatml/],
      [["set", "preset", "nope"], /^parley: no preset "nope": there are no presets yet/],
      [["set", "temperature"], /missing required argument 'value'/],
    ];
    for (const [args, expected] of cases) {
      const r = await runParley(["config", ...args], { home });
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, expected);
      assert.equal(r.stdout, "");
    }
    assert.throws(() => statSync(join(home, "config.json")));
  });

  for (const [what, text] of [
    ["not valid JSON", '{\n  "temperature": 0.5,\n}\n'],
    ["an unknown key", '{"temprature": 0.5}'],
    ["a bad value", '{"top-p": 3}'],
  ] as const) {
    it(`reports a config file with ${what} (exit 2) and leaves it byte for byte`, async () => {
      const home = tempHome();
      const file = join(home, "config.json");
      writeFileSync(file, text, { mode: 0o644 });
      for (const args of [
        ["list"],
        ["list", "--effective"],
        ["get", "temperature"],
        ["set", "temperature", "0.2"],
        ["unset", "top-p"],
      ]) {
        const r = await runParley(["config", ...args], { home });
        assert.equal(r.code, 2, args.join(" "));
        assert.equal(r.stderr.split("\n").length, 2, r.stderr);
        assert.ok(r.stderr.includes(file), r.stderr);
        assert.match(r.stderr, /fix it with "parley config edit" or delete .* to reset/);
        assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
      }
      assert.equal(readFileSync(file, "utf8"), text);
      assert.equal(statSync(file).mode & 0o777, 0o644);
    });
  }

  it("edits in $EDITOR, saving a valid result and keeping the old file on an invalid one", async () => {
    const home = tempHome();
    const file = join(home, "config.json");
    writeFileSync(file, "{ broken");
    const fixed = await runParley(["config", "edit"], { home, env: { EDITOR: editorScript(home, '{"top-k": 7}') } });
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { "top-k": 7 });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const before = readFileSync(file, "utf8");
    for (const text of ['{"top-k": -1}', "{ nope", '{"colour": "red"}']) {
      const r = await runParley(["config", "edit"], { home, env: { EDITOR: editorScript(home, text) } });
      assert.equal(r.code, 2, text);
      assert.match(r.stderr, /not saved: .*config\.json is unchanged/);
      assert.equal(readFileSync(file, "utf8"), before);
    }
    const failing = await runParley(["config", "edit"], { home, env: { EDITOR: "false", VISUAL: undefined } });
    assert.equal(failing.code, 2);
    assert.match(failing.stderr, /the editor "false" exited with status 1; nothing was changed/);
    assert.equal(readFileSync(file, "utf8"), before);
  });
});
