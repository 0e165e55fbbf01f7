/**
 * The benchmark suite: parley against llama.cpp's own programs of the same release, in one run,
 * figures interleaved, every figure a median, every comparison a ratio. Prints one table and
 * writes bench/results/<date>-<host>.json.
 *
 *   npm run build && NATIVE_LLAMA_BIN=$(../shared/tools/native-llama.sh) node --import tsx bench/run.ts
 *     [--model file.gguf] [--small-model file.gguf] [--runs 5] [--threads 1,2] [--turns 20]
 *     [--only speed,small,job,turns,startup,chat,resume,server,resident] [--quick]
 *
 * The model is the realistic one (`../shared/tools/make-realistic-model.sh` writes it: a 1.5B
 * shape with a 151,936-token vocabulary, kept in REALISTIC_MODEL_DIR or /tmp/realistic-model),
 * else ../shared/models/bench-106m-q8_0.gguf. The small rows run on bench-106m and stories260K
 * (--small-model names one instead). Without NATIVE_LLAMA_BIN parley runs alone and says so.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, hostname, loadavg } from "node:os";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { findPeer } from "./lib/peer.ts";
import { hasTime, TIME_BIN } from "./lib/proc.ts";
import { parleyDefaultThreads, parleyLlamaBuild } from "./lib/parley.ts";
import { renderTable, type Row } from "./lib/table.ts";
import { BENCH_MODEL, runResume } from "./resume.ts";
import { runJob, runStartup } from "./sections/job.ts";
import { runResident } from "./sections/resident.ts";
import { runServer } from "./sections/server.ts";
import { runSpeed } from "./sections/speed.ts";
import { runTurns } from "./sections/turns.ts";
import { runTuiSpeed, SMALL_MODEL } from "./tui-speed.ts";

const SECTIONS = ["speed", "small", "job", "turns", "startup", "chat", "resume", "server", "resident"] as const;

/** The realistic model, when make-realistic-model.sh has written it. */
function realisticModel(): string | undefined {
  const dir = process.env.REALISTIC_MODEL_DIR ?? "/tmp/realistic-model";
  return ["q4_k_m", "q8_0"].map((q) => join(dir, `realistic-1b5-${q}.gguf`)).find((f) => existsSync(f));
}
const REALISTIC = realisticModel();
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    model: { type: "string", default: REALISTIC ?? BENCH_MODEL },
    "small-model": { type: "string" },
    runs: { type: "string" },
    threads: { type: "string" },
    turns: { type: "string", default: "20" },
    only: { type: "string" },
    quick: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs ?? (values.quick ? 3 : 5));
const threads = (values.threads ?? Array.from({ length: availableParallelism() }, (_, i) => i + 1).join(","))
  .split(",")
  .map(Number);
const only = new Set((values.only?.split(",") ?? SECTIONS) as Section[]);
for (const s of only)
  if (!SECTIONS.includes(s)) throw new Error(`unknown section "${s}" (sections: ${SECTIONS.join(", ")})`);
const smallModels = values["small-model"] ? [values["small-model"]] : [BENCH_MODEL, SMALL_MODEL];
for (const m of [values.model, ...smallModels]) if (!existsSync(m)) throw new Error(`no model file at ${m}`);

const found = findPeer();
const peer = typeof found === "string" ? undefined : found;
const noPeer = typeof found === "string" ? found : "";
const log = (line: string) => process.stderr.write(`${line}\n`);
if (!peer) log(noPeer);
if (!REALISTIC && !values.model.includes("realistic"))
  log("the realistic model is missing (../shared/tools/make-realistic-model.sh writes it): measuring on bench-106m");
if (!hasTime) log(`${TIME_BIN} is missing: no peak memory figures (apt-get install time)`);

const rows: Row[] = [];
const record: Record<string, unknown> = {};
const started = new Date();
const loadStart = loadavg();
const def = parleyDefaultThreads();
const llamaBuild = parleyLlamaBuild();
const bench = { model: values.model, label: basename(values.model, ".gguf"), runs, peer, log };
const smalls = smallModels.map((m) => ({ model: m, label: basename(m, ".gguf"), runs, peer, log }));
const chatModel = smallModels[smallModels.length - 1]!;

if (only.has("speed")) {
  const r = await runSpeed({ ...bench, threads });
  rows.push(...r.rows);
  record.speed = r;
}
if (only.has("small")) {
  const results = [];
  for (const small of smalls) {
    const r = await runSpeed({ ...small, threads });
    rows.push(...r.rows);
    results.push(r);
  }
  record.small = results;
}
if (only.has("job")) {
  const r = runJob({ ...bench, threads });
  rows.push(...r.rows);
  record.job = r;
}
if (only.has("turns")) {
  const r = await runTurns({
    ...bench,
    runs: Math.max(1, Math.ceil(runs / 2)),
    // As the chat screen runs: parley's own thread counts (prompts on the free cores).
    threads: undefined,
    turns: Number(values.turns),
    peer,
  });
  rows.push(...r.rows);
  record.turns = r;
}
if (only.has("startup")) {
  const r = runStartup(runs * 2, log);
  rows.push(...r.rows);
  record.startup = r;
}
if (only.has("chat")) {
  const r = await runTuiSpeed({ model: chatModel, runs, tokens: 400, color: false, markdown: "on", log });
  rows.push(...r.rows);
  record.chat = r;
}
if (only.has("resume")) {
  const r = await runResume({ model: values.model, runs, tokens: 1500, threads: def, log });
  rows.push(...r.rows);
  record.resume = r;
}
if (only.has("resident")) {
  const r = await runResident({ ...bench, threads });
  rows.push(...r.rows);
  record.resident = r;
}
if (only.has("server")) {
  const r = await runServer({ ...bench, threads: def });
  rows.push(...r.rows);
  record.server = r.raw;
}

const cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
const version = (bin: string) => {
  try {
    return execFileSync(bin, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    return (err as { stderr?: string }).stderr?.trim().split("\n").pop() ?? "unknown";
  }
};
const machine = {
  host: hostname(),
  cpu,
  cpus: availableParallelism(),
  node: process.version,
  loadavgStart: loadStart,
  loadavgEnd: loadavg(),
  parleyLlamaBuild: llamaBuild,
};
console.log(
  `parley benchmark suite, ${started.toISOString()}, ${machine.cpus} CPUs (${cpu}), node ${process.version}, ` +
    `${runs} runs per figure, parley default threads ${def}, parley's llama.cpp: ${llamaBuild}`,
);
const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(1)).join(" ");
console.log(
  `load average at start ${fmtLoad(loadStart)}, at end ${fmtLoad(machine.loadavgEnd)} (above the CPU count, figures are noisy)`,
);
console.log(peer ? `peer: llama.cpp programs in ${peer.dir} (${version(peer.completion)})` : `peer: none (${noPeer})`);
console.log(`ratio = parley / peer unless the figure names another base; startup's peer column is \`node -e 0\``);
console.log(renderTable(rows));
const dir = join(import.meta.dirname, "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `${started.toISOString().slice(0, 10)}-${machine.host}.json`);
const doc = {
  started: started.toISOString(),
  machine,
  runs,
  threads,
  parleyDefaultThreads: def,
  peer: peer ?? noPeer,
  rows,
  details: record,
};
writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`wrote ${file}`);
