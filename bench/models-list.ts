/**
 * `parley models list` over a folder of 50 models: the whole command (a fresh process, as a user
 * runs it) and the header reading alone (in one process). Two folders: 50 fixture models, and 50
 * links to a real model with a full vocabulary (when ../shared/models has one). Prints a table
 * of medians and writes every sample to bench/results/models-list-<time>.json.
 *
 *   npm run build && node --import tsx bench/models-list.ts [--runs 7] [--count 50] [real-model.gguf]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fillFolder } from "../test/helpers/models-folder.ts";
import { median } from "./stats.ts";

const built = new URL("../dist/cli/commands/models-actions.js", import.meta.url).href;
const { listSummaries } = (await import(built)) as {
  listSummaries: (folder: string) => Promise<{ damaged?: string }[]>;
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: "string", default: "7" }, count: { type: "string", default: "50" } },
});
const runs = Number(values.runs);
const count = Number(values.count);
const realModel = positionals[0] ?? join(import.meta.dirname, "../../shared/models/bench-106m-q8_0.gguf");
const bin = join(import.meta.dirname, "../bin/parley.js");

interface Case {
  name: string;
  home: string;
}

const cases: Case[] = [];
const fixtures = mkdtempSync(join(tmpdir(), "parley-bench-list-"));
fillFolder(join(fixtures, "models"), count);
cases.push({ name: `${count} fixture models`, home: fixtures });
if (existsSync(realModel)) {
  const real = mkdtempSync(join(tmpdir(), "parley-bench-list-real-"));
  mkdirSync(join(real, "models"));
  for (let i = 0; i < count; i++) symlinkSync(realModel, join(real, "models", `real-${i}.gguf`));
  cases.push({ name: `${count} links to a real model`, home: real });
}

const results: Record<string, { command: number[]; headers: number[] }> = {};
for (const c of cases) {
  const command: number[] = [];
  const headers: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, "models", "list"], {
      env: { ...process.env, PARLEY_HOME: c.home },
      encoding: "utf8",
    });
    command.push(performance.now() - t0);
    if (r.status !== 0 || r.stdout.split("\n").length < count + 1) throw new Error(`models list failed: ${r.stderr}`);
    const t1 = performance.now();
    const listed = await listSummaries(join(c.home, "models"));
    headers.push(performance.now() - t1);
    if (listed.length !== count || listed.some((m) => m.damaged)) throw new Error("the listing is wrong");
  }
  results[c.name] = { command, headers };
}

const baseline: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  spawnSync(process.execPath, [bin, "--version"]);
  baseline.push(performance.now() - t0);
}

console.log(`models list, median of ${runs} runs (load ${loadavg()[0]?.toFixed(2)})`);
console.log(`${"folder".padEnd(30)}${"whole command".padStart(16)}${"headers only".padStart(16)}`);
for (const [name, r] of Object.entries(results)) {
  console.log(
    `${name.padEnd(30)}${`${median(r.command).toFixed(0)} ms`.padStart(16)}${`${median(r.headers).toFixed(1)} ms`.padStart(16)}`,
  );
}
console.log(`${"(parley --version)".padEnd(30)}${`${median(baseline).toFixed(0)} ms`.padStart(16)}`);

const out = join(import.meta.dirname, "results");
mkdirSync(out, { recursive: true });
const file = join(out, `models-list-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ runs, count, loadavg: loadavg(), results, versionBaseline: baseline }, undefined, 2)}\n`,
);
console.log(`samples written to ${file}`);
for (const c of cases) rmSync(c.home, { recursive: true, force: true });
