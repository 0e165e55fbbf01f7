/**
 * What node-llama-cpp's test of a prebuilt binary costs on its own: on Linux, getLlama() forks a
 * child process that loads the binding and reports back before the binding is loaded for real.
 * Times that test alone (several runs, median), next to a bare `node -e 0` for scale.
 *
 *   node bench/experiments/binary-test.mjs [--runs 7] [--nlc <project dir>]
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "7" },
    nlc: { type: "string", default: join(import.meta.dirname, "..", "..") },
  },
});
const pkg = join(values.nlc, "node_modules/node-llama-cpp/dist/bindings/utils/testBindingBinary.js");
const { testBindingBinary } = await import(pathToFileURL(pkg).href);
const bins = join(values.nlc, "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64");
const binding = join(
  bins,
  readdirSync(bins).find((f) => f.endsWith(".node")),
);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const test = [];
const bare = [];
for (let i = 0; i < Number(values.runs); i++) {
  let t = performance.now();
  const ok = await testBindingBinary(binding, undefined, false);
  test.push(performance.now() - t);
  if (!ok) throw new Error("the binary test failed");
  t = performance.now();
  spawnSync(process.execPath, ["-e", "0"]);
  bare.push(performance.now() - t);
}
console.log(JSON.stringify({ binding, testMs: median(test), nodeMs: median(bare), samples: { test, bare } }));
