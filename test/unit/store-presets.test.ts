import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { UsageError } from "../../src/errors.ts";
import {
  addPreset,
  checkPresetParams,
  getPreset,
  presetParamLayer,
  readPresets,
  removePreset,
  updatePreset,
} from "../../src/store/presets.ts";

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), "parley-presets-")), "presets.json");
}

describe("presets store", () => {
  it("adds, reads, updates and removes presets in a private file", () => {
    const path = tempFile();
    assert.equal(readPresets(path).size, 0);
    addPreset("coder", { system: "You write code.", params: { temperature: 0.2 } }, false, path);
    addPreset("brief", { system: "Be brief.", params: {} }, false, path);
    assert.deepEqual([...readPresets(path).keys()], ["brief", "coder"]);
    assert.equal(getPreset("coder", path).system, "You write code.");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    updatePreset("coder", { params: { "top-p": 0.9 } }, path);
    updatePreset("coder", { system: "You write careful code." }, path);
    const coder = getPreset("coder", path);
    assert.equal(coder.system, "You write careful code.");
    assert.deepEqual(coder.params, { temperature: 0.2, "top-p": 0.9 });
    assert.deepEqual(presetParamLayer(coder), { temperature: 0.2, topP: 0.9 });
    removePreset("brief", path);
    assert.deepEqual([...readPresets(path).keys()], ["coder"]);
    assert.deepEqual(readdirSync(join(path, "..")), ["presets.json"]);
  });

  it("refuses to replace a preset unless asked", () => {
    const path = tempFile();
    addPreset("a", { system: "one", params: {} }, false, path);
    assert.throws(() => addPreset("a", { system: "two", params: {} }, false, path), /already exists/);
    addPreset("a", { system: "two", params: {} }, true, path);
    assert.equal(getPreset("a", path).system, "two");
  });

  it("names the known presets when one is missing", () => {
    const path = tempFile();
    assert.throws(() => getPreset("x", path), /no preset "x": there are no presets yet/);
    addPreset("b", { system: "b", params: {} }, false, path);
    addPreset("a", { system: "a", params: {} }, false, path);
    assert.throws(
      () => getPreset("x", path),
      (err: Error) => err instanceof UsageError && err.message === 'no preset "x" (known presets: a, b)',
    );
    assert.throws(() => removePreset("x", path), /known presets: a, b/);
    assert.throws(() => updatePreset("x", { system: "s" }, path), /known presets: a, b/);
  });

  it("checks names and parameters", () => {
    const path = tempFile();
    assert.throws(() => addPreset("../evil", { system: "x", params: {} }, false, path), /invalid preset name/);
    assert.throws(
      () => checkPresetParams({ temperature: 9 }, "preset"),
      /preset.temperature: 9 \(expected a number from 0 to 2\)/,
    );
    assert.throws(() => checkPresetParams({ warmth: 1 }, "preset"), /unknown parameter "warmth"/);
    assert.throws(() => checkPresetParams({ "top-k": 1.5 }, "preset"), /whole number/);
    assert.deepEqual(checkPresetParams({ "max-tokens": 10 }, "preset"), { "max-tokens": 10 });
  });

  it("refuses a damaged file and leaves it as it was", () => {
    const path = tempFile();
    for (const text of [
      "{not json",
      '{"presets": {"a": {"system": 3}}}',
      '{"presets": {"a": {"system": "x", "params": {"temperature": 7}}}}',
    ]) {
      writeFileSync(path, text);
      assert.throws(
        () => readPresets(path),
        (err: Error) => err instanceof UsageError && err.message.includes(path),
      );
      assert.throws(() => addPreset("b", { system: "b", params: {} }, false, path), UsageError);
      assert.equal(readFileSync(path, "utf8"), text);
    }
  });
});
