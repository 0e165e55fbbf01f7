import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runParley, tempHome } from "../helpers/cli.ts";

describe("parley paths", () => {
  it("prints every location under PARLEY_HOME", async () => {
    const home = tempHome();
    const r = await runParley(["paths"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^PARLEY_HOME +${home}$`, "m"));
    for (const [name, path] of [
      ["config", "config.json"],
      ["presets", "presets.json"],
      ["conversations", "conversations"],
      ["input history", "input-history.jsonl"],
      ["models", "models"],
      ["snapshots", "snapshots"],
    ]) {
      assert.match(r.stdout, new RegExp(`^${name} +${join(home, path ?? "")}$`, "m"));
    }
  });

  it("prints JSON, and uses the XDG folders without PARLEY_HOME", async () => {
    const r = await runParley(["paths", "--json"], {
      env: { PARLEY_HOME: undefined, XDG_CONFIG_HOME: "/xdg/config", XDG_DATA_HOME: "/xdg/data" },
    });
    assert.equal(r.code, 0, r.stderr);
    const paths = JSON.parse(r.stdout);
    assert.equal(paths.home, undefined);
    assert.equal(paths.configFile, "/xdg/config/parley/config.json");
    assert.equal(paths.conversations, "/xdg/data/parley/conversations");
  });

  it("loads neither conf, node-llama-cpp nor Ink for help", async () => {
    const dir = tempHome();
    writeFileSync(
      join(dir, "hooks.mjs"),
      `export async function resolve(s, c, next) {
  const r = await next(s, c);
  if (/node_modules\\/(conf|node-llama-cpp|ink)\\//.test(r.url)) process.stderr.write("LOADED " + r.url + "\\n");
  return r;
}`,
    );
    writeFileSync(
      join(dir, "register.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(`file://${join(dir, "hooks.mjs")}`)});`,
    );
    const env = { NODE_OPTIONS: `--import ${join(dir, "register.mjs")}` };
    for (const args of [["--help"], ["config", "--help"], ["history", "list", "--help"], ["prompts", "--help"]]) {
      const r = await runParley(args, { env });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /LOADED/, args.join(" "));
    }
    const set = await runParley(["config", "set", "top-k", "3"], { env });
    assert.match(set.stderr, /LOADED .*conf/, "the hook works");
  });
});
