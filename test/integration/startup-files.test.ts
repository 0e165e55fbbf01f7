/**
 * What parley reads when it starts: `doctor` checks every such file and environment variable
 * and fails naming the file (or variable) and the problem; a garbage environment value stops a
 * run with exit 2, naming the variable.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture } from "../helpers/fixtures.ts";

/** A home with one model, so doctor's only failing checks are the ones a test makes. */
function homeWithModel(): string {
  const home = tempHome();
  mkdirSync(join(home, "models"), { recursive: true });
  copyFileSync(fixture("script"), join(home, "models", "script.gguf"));
  return home;
}

function failing(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.startsWith("FAIL"));
}

describe("doctor checks the files parley reads at start", () => {
  it("passes with good files", async () => {
    const home = homeWithModel();
    writeFileSync(join(home, "config.json"), '{"temperature": 0.5}\n');
    writeFileSync(join(home, "input-history.jsonl"), '"one"\n"two"\n');
    const r = await runParley(["doctor"], { home });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /All checks passed\./);
  });

  it("fails on an invalid config.json, naming the file and the problem", async () => {
    const home = homeWithModel();
    writeFileSync(join(home, "config.json"), '{"temperature": 5}\n');
    const r = await runParley(["doctor"], { home });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const [line, ...rest] = failing(r.stdout);
    assert.match(line ?? "", /config\.json.*"temperature"/);
    assert.deepEqual(rest, []);
    assert.doesNotMatch(r.stdout, /All checks passed/);
    const run = await runParley(["-m", "script", "Hi"], { home });
    assert.equal(run.code, 2, "the run fails as doctor said");
  });

  it("fails on damaged presets, aliases, input history and memory files, and on what the config names", async () => {
    const home = homeWithModel();
    writeFileSync(join(home, "config.json"), '{"preset": "gone", "model": "/nonexistent/m.gguf"}\n');
    writeFileSync(join(home, "presets.json"), '{"presets": {"a": {"system": 1}}}\n');
    writeFileSync(join(home, "models", "aliases.json"), "[1, 2]\n");
    writeFileSync(join(home, "input-history.jsonl"), '"a"\n{oops\n"b"\n');
    writeFileSync(join(home, "templates.json"), "not json");
    mkdirSync(join(home, "binary-tests.json"));
    const r = await runParley(["doctor"], { home });
    assert.equal(r.code, 1);
    const lines = failing(r.stdout).join("\n");
    assert.match(lines, /presets\.json/);
    assert.match(lines, /aliases/);
    assert.match(lines, /input-history\.jsonl/);
    assert.match(lines, /templates\.json is not valid JSON/);
    assert.match(lines, /binary-tests\.json is not a regular file/);
    assert.match(lines, /\/nonexistent\/m\.gguf, which is missing/);
    const json = await runParley(["doctor", "--json"], { home });
    const checks = (JSON.parse(json.stdout) as { checks: { ok: boolean; name: string }[] }).checks;
    assert.ok(checks.some((c) => !c.ok && c.name === "input history"));
  });

  it("reports a models folder that cannot be read as a check, and goes on", async () => {
    const home = tempHome();
    writeFileSync(join(home, "models"), "not a folder");
    const r = await runParley(["doctor"], { home });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, "");
    assert.match(failing(r.stdout).join("\n"), /cannot read the models folder/);
  });

  it("fails on a garbage environment variable, naming it", async () => {
    const r = await runParley(["doctor"], { home: homeWithModel(), env: { PARLEY_TOP_K: "lots" } });
    assert.equal(r.code, 1);
    assert.match(failing(r.stdout).join("\n"), /PARLEY_TOP_K: "lots"/);
  });
});

describe("environment variables are read like flags", () => {
  const cases: [string, string, string[]][] = [
    ["PARLEY_TOP_K", "lots", ["-m", fixture("script"), "Hi"]],
    ["PARLEY_STOP", "[1]", ["-m", fixture("script"), "Hi"]],
    ["PARLEY_OFFLINE", "maybe", ["models", "pull", "hf:someone/repo:Q4_K_M"]],
    ["PARLEY_PULL_STALL_SECONDS", "soon", ["models", "pull", "https://127.0.0.1:9/x.gguf"]],
    ["PARLEY_PULL_STALL_SECONDS", "0", ["models", "pull", "https://127.0.0.1:9/x.gguf"]],
    ["HF_ENDPOINT", "not a url", ["models", "pull", "hf:someone/repo:Q4_K_M"]],
    ["MODEL_ENDPOINT", "ftp://hub", ["models", "list"]],
    ["PARLEY_CONTEXT_SIZE", "big", ["config", "list", "--effective"]],
  ];
  for (const [name, value, args] of cases) {
    it(`${name}=${value} is exit 2 naming it (parley ${args[0]} ...)`, async () => {
      const r = await runParley(args, { env: { [name]: value } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^parley: invalid value for ${name}: `));
      assert.equal(r.stderr.split("\n").length, 2);
    });
  }

  it("an empty value counts as not set", async () => {
    const r = await runParley(["-m", fixture("script"), "Hi"], { env: { PARLEY_TOP_K: "", HF_ENDPOINT: "" } });
    assert.equal(r.code, 0, r.stderr);
  });
});
