/**
 * An integer in a JSON schema gives an integer: node-llama-cpp's grammar lets a number of type
 * integer carry an exponent (`-3e-3`, `5e911350020`), which parley's grammar does not.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { wholeNumberIntegers } from "../../src/engine/llama/json-grammar.ts";
import { runParley } from "../helpers/cli.ts";
import { fixture } from "../helpers/fixtures.ts";

const SCHEMA = {
  type: "object",
  properties: { n: { type: "integer" }, m: { type: "array", items: { type: "integer" } }, x: { type: "number" } },
  required: ["n", "m", "x"],
};

describe("integers in a JSON schema", () => {
  it("the grammar's integer rule has no fraction and no exponent; other rules are kept", () => {
    const gbnf = [
      'root ::= "{" integer-number-rule "}"',
      'integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?',
      'fractional-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?',
    ].join("\n");
    const fixed = wholeNumberIntegers(gbnf).split("\n");
    assert.equal(fixed[1], 'integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15})');
    assert.deepEqual([fixed[0], fixed[2]], [gbnf.split("\n")[0], gbnf.split("\n")[2]]);
    assert.equal(wholeNumberIntegers('root ::= "x"'), 'root ::= "x"');
  });

  it("replies with whole numbers only, from a model of random weights at a high temperature", async () => {
    for (const seed of ["1", "2", "3", "4", "5", "6"]) {
      const r = await runParley([
        "-m",
        fixture("random"),
        "--seed",
        seed,
        "--temperature",
        "1.5",
        "-n",
        "160",
        "--no-history",
        "--schema",
        JSON.stringify(SCHEMA),
        "Hi",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const value = JSON.parse(r.stdout) as { n: number; m: number[] };
      for (const n of [value.n, ...value.m]) assert.ok(Number.isInteger(n), `seed ${seed}: ${r.stdout}`);
      const integers = r.stdout.replace(/"x":\s*[^,}\s]+/, "");
      assert.doesNotMatch(integers, /\d[eE.]/, `seed ${seed}: ${r.stdout}`);
    }
  });
});
