import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadSettings, presetLayer } from "../../src/core/layers.ts";
import { UsageError } from "../../src/errors.ts";
import { CONFIG_KEYS, configSchema } from "../../src/settings/keys.ts";
import { readEnvValues, resolveSettings } from "../../src/settings/resolve.ts";
import { addPreset, getPreset } from "../../src/store/presets.ts";
import { readConfig, replaceConfig, setConfigValue, unsetConfigValue } from "../../src/store/config.ts";

/** Every key's value and source, as far as it is known without flags. */
function effectiveConfig(env: NodeJS.ProcessEnv, configPath: string, presetsPath?: string) {
  return loadSettings({ env, configPath, ...(presetsPath ? { presetsPath } : {}) }).settings.all();
}

function tempConfig(): string {
  return join(mkdtempSync(join(tmpdir(), "parley-config-")), "config.json");
}

describe("config store", () => {
  it("reads nothing from a missing file, and does not create it", () => {
    const path = tempConfig();
    assert.deepEqual(readConfig(path), {});
    assert.deepEqual(
      effectiveConfig({}, path).filter((e) => e.source !== "default"),
      [],
    );
    assert.throws(() => statSync(path));
  });

  it("sets values through conf into a private file", async () => {
    const path = tempConfig();
    await setConfigValue("temperature", "0.25", path);
    await setConfigValue("gpu-layers", "max", path);
    await setConfigValue("context-size", "4096", path);
    await setConfigValue("stop", '["User:", "###"]', path);
    await setConfigValue("markdown", "off", path);
    assert.deepEqual(readConfig(path), {
      temperature: 0.25,
      "gpu-layers": "max",
      "context-size": 4096,
      stop: ["User:", "###"],
      markdown: false,
    });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), readConfig(path));
  });

  it("refuses unknown keys and bad values, naming the key and what is allowed", async () => {
    const path = tempConfig();
    await assert.rejects(setConfigValue("temp", "1", path), (err: Error) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /unknown config key "temp" \(known keys: model, temperature, top-p/);
      return true;
    });
    await assert.rejects(
      setConfigValue("top-p", "1.5", path),
      /invalid value for config key "top-p": "1.5" \(expected a number from 0 to 1\)/,
    );
    await assert.rejects(setConfigValue("gpu", "tpu", path), /expected one of auto, cuda, vulkan, metal, off/);
    await assert.rejects(setConfigValue("history", "maybe", path), /expected true or false/);
    await assert.rejects(setConfigValue("threads", "0", path), /expected a whole number from 1 to 1024/);
    await assert.rejects(setConfigValue("stop", "[1]", path), /config key "stop"/);
    await assert.rejects(setConfigValue("preset", "a b", path), /preset name/);
    assert.throws(() => statSync(path));
  });

  it("unsets a key, and reports whether it was set", async () => {
    const path = tempConfig();
    await setConfigValue("seed", "42", path);
    assert.equal(await unsetConfigValue("seed", path), true);
    assert.equal(await unsetConfigValue("seed", path), false);
    assert.deepEqual(readConfig(path), {});
  });

  for (const [what, text] of [
    ["not JSON", '{"temperature": 0.5,,}'],
    ["an unknown key", '{"temprature": 0.5}'],
    ["a value out of range", '{"temperature": 5}'],
    ["a value of the wrong type", '{"history": "yes"}'],
    ["not an object", "[1, 2]"],
  ] as const) {
    it(`refuses a file holding ${what}, naming the file and the fix, and leaves it untouched`, async () => {
      const path = tempConfig();
      writeFileSync(path, text, { mode: 0o644 });
      const before = readFileSync(path);
      assert.throws(
        () => readConfig(path),
        (err: Error) => {
          assert.ok(err instanceof UsageError);
          assert.ok(err.message.includes(path));
          assert.match(err.message, /parley config edit/);
          assert.doesNotMatch(err.message, /\n/);
          return true;
        },
      );
      await assert.rejects(setConfigValue("top-k", "3", path), UsageError);
      await assert.rejects(unsetConfigValue("temperature", path), UsageError);
      assert.deepEqual(readFileSync(path), before);
      assert.equal(statSync(path).mode & 0o777, 0o644);
    });
  }

  it("replaces an invalid file with checked values (config edit)", async () => {
    const path = tempConfig();
    writeFileSync(path, "{oops");
    await replaceConfig({ "top-k": 7 }, path);
    assert.deepEqual(readConfig(path), { "top-k": 7 });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await replaceConfig({ "min-p": 0.1 }, path);
    assert.deepEqual(readConfig(path), { "min-p": 0.1 });
    assert.deepEqual(readdirSync(join(path, "..")), ["config.json"]);
  });

  it("reads environment variables, refusing bad ones by name", () => {
    assert.deepEqual(
      readEnvValues({ PARLEY_TOP_P: "0.5", PARLEY_GPU_LAYERS: "12", PARLEY_HISTORY: "no", OTHER: "x" }),
      {
        "top-p": 0.5,
        "gpu-layers": 12,
        history: false,
      },
    );
    assert.throws(() => readEnvValues({ PARLEY_TEMPERATURE: "hot" }), /invalid value for PARLEY_TEMPERATURE: "hot"/);
  });

  it("shows where each value comes from: env over config over default", async () => {
    const path = tempConfig();
    await setConfigValue("temperature", "0.3", path);
    await setConfigValue("top-k", "5", path);
    const rows = effectiveConfig({ PARLEY_TOP_K: "9" }, path);
    const by = (key: string) => rows.find((r) => r.key === key);
    assert.deepEqual([by("temperature")?.value, by("temperature")?.source], [0.3, "config"]);
    assert.deepEqual([by("top-k")?.value, by("top-k")?.source], [9, "env"]);
    assert.deepEqual([by("top-p")?.value, by("top-p")?.source], [0.95, "default"]);
    assert.equal(by("context-size")?.defaultText, "the model's, at most 8192");
    assert.equal(rows.length, CONFIG_KEYS.length);
  });

  it("puts the preset the config names between env and config, and refuses a missing one", async () => {
    const path = tempConfig();
    const presets = join(path, "..", "presets.json");
    addPreset("coder", { system: "You write code.", params: { temperature: 0.1, "top-k": 3 } }, false, presets);
    await setConfigValue("temperature", "0.3", path);
    await setConfigValue("system", "Config system.", path);
    await setConfigValue("min-p", "0.2", path);
    await setConfigValue("preset", "coder", path);
    const rows = effectiveConfig({ PARLEY_TOP_K: "9" }, path, presets);
    const by = (key: string) => rows.find((r) => r.key === key);
    assert.deepEqual([by("temperature")?.value, by("temperature")?.source], [0.1, "preset"]);
    assert.deepEqual([by("system")?.value, by("system")?.source], ["You write code.", "preset"]);
    assert.deepEqual([by("top-k")?.value, by("top-k")?.source], [9, "env"]);
    assert.deepEqual([by("min-p")?.value, by("min-p")?.source], [0.2, "config"]);
    const layer = presetLayer(getPreset("coder", presets), false);
    assert.deepEqual(layer.values, { temperature: 0.1, "top-k": 3, system: "You write code." });
    assert.throws(
      () => effectiveConfig({ PARLEY_PRESET: "nope" }, path, presets),
      /no preset "nope" \(known presets: coder\)/,
    );
  });

  it("gives layers that merge with flags and presets in the documented order", async () => {
    const path = tempConfig();
    await setConfigValue("temperature", "0.3", path);
    await setConfigValue("top-k", "5", path);
    await setConfigValue("min-p", "0.2", path);
    await setConfigValue("gpu", "off", path);
    await setConfigValue("context-size", "auto", path);
    await setConfigValue("model", "/models/a.gguf", path);
    const stored = loadSettings({ env: { PARLEY_TOP_K: "9" }, configPath: path }).settings;
    assert.deepEqual([stored.get("gpu"), stored.get("context-size")], ["off", "auto"]);
    assert.equal(stored.get("model"), "/models/a.gguf");
    assert.equal(stored.get("history"), true);
    const settings = resolveSettings([
      { source: "config", values: readConfig(path) },
      { source: "preset", values: { "top-p": 0.5, "min-p": 0.4 } },
      { source: "request body", values: { "min-p": 0.3 } },
      { source: "env", values: readEnvValues({ PARLEY_TOP_K: "9" }) },
      { source: "flag", values: { temperature: 1.5 } },
    ]);
    const merged = settings.params();
    assert.equal(merged.temperature, 1.5); // flag over config
    assert.equal(merged.topK, 9); // env over config
    assert.equal(merged.minP, 0.3); // body over preset and config
    assert.equal(merged.topP, 0.5); // preset over default
    assert.equal(merged.repeatPenalty, 1); // built-in default
  });

  it("has a JSON schema entry for every key and refuses extra keys through conf", () => {
    const schema = configSchema();
    assert.deepEqual(
      Object.keys(schema),
      CONFIG_KEYS.map((s) => s.key),
    );
    assert.equal(schema.temperature?.maximum, 2);
  });
});
