import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_PARAMS, findParamSpec, mergeParams, parseParamValue, PARAM_SPECS } from "../../src/chat/params.ts";
import { UsageError } from "../../src/errors.ts";

const spec = (flag: string) => {
  const s = findParamSpec(flag);
  assert.ok(s, flag);
  return s;
};

describe("sampling parameters", () => {
  it("accepts values inside their ranges, from text or numbers", () => {
    assert.equal(parseParamValue(spec("temperature"), "0.7", "--temperature"), 0.7);
    assert.equal(parseParamValue(spec("top-p"), 1, "top_p"), 1);
    assert.equal(parseParamValue(spec("max-tokens"), "12", "--max-tokens"), 12);
    assert.equal(parseParamValue(spec("seed"), "0", "--seed"), 0);
    assert.equal(parseParamValue(spec("presence-penalty"), "-2", "--presence-penalty"), -2);
  });

  for (const [flag, raw] of [
    ["temperature", "-1"],
    ["temperature", "abc"],
    ["temperature", "NaN"],
    ["temperature", ""],
    ["top-p", "1.5"],
    ["max-tokens", "0"],
    ["max-tokens", "abc"],
    ["max-tokens", "2.5"],
    ["top-k", "-3"],
    ["seed", "1e20"],
    ["min-p", "Infinity"],
  ] as const) {
    it(`refuses --${flag} ${JSON.stringify(raw)} with a message naming the flag`, () => {
      assert.throws(
        () => parseParamValue(spec(flag), raw, `--${flag}`),
        (err: unknown) => err instanceof UsageError && err.message.includes(`--${flag}`) && err.exitCode === 2,
      );
    });
  }

  it("finds specs by flag, key and body field spelling", () => {
    assert.equal(findParamSpec("top_p")?.key, "topP");
    assert.equal(findParamSpec("--max-tokens")?.key, "maxTokens");
    assert.equal(findParamSpec("maxTokens")?.key, "maxTokens");
    assert.equal(findParamSpec("nope"), undefined);
    assert.equal(PARAM_SPECS.length, 9);
  });

  it("merges layers, the first winning, over the defaults", () => {
    const merged = mergeParams({ temperature: 0.1 }, { temperature: 0.5, topK: 3 }, { stop: ["x"] });
    assert.equal(merged.temperature, 0.1);
    assert.equal(merged.topK, 3);
    assert.deepEqual(merged.stop, ["x"]);
    assert.equal(merged.topP, DEFAULT_PARAMS.topP);
  });
});
