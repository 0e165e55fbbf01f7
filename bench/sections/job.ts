/**
 * The whole one-shot job (start, load, 128 tokens, exit) against llama-completion with the same
 * prompt, tokens and context, parley at its own thread choice and the peer at each thread count;
 * and how fast parley answers --version and --help against a bare `node -e 0`. Runs alternate.
 */
import { median } from "../stats.ts";
import { llamaCompletion } from "../lib/peer.ts";
import { hasTime, run } from "../lib/proc.ts";
import { BIN, ENV, parleyRun } from "../lib/parley.ts";
import { fastestThreads, type SectionOptions } from "../lib/section.ts";
import type { Row } from "../lib/table.ts";

export type JobOptions = SectionOptions;

const PROMPT = "Once upon a time";

/**
 * The whole job, parley with its own thread choice (as a user runs it) against llama-completion
 * at each thread count; the ratio is taken to the peer's best median wall time.
 */
export function runJob(o: JobOptions): { rows: Row[]; samples: unknown[] } {
  type Who = "parley" | "parley raw" | `peer ${number}`;
  const samples: { run: number; who: Who; wallMs: number; peakRssMb: number; generated?: number }[] = [];
  const args = ["-m", o.model, "-n", "128", "--temperature", "0", "--seed", "1"];
  args.push("--context-size", "4096", "--no-history");
  for (let i = 0; i < o.runs; i++) {
    // parley as a user runs it (the prompt in the model's chat template), and with the very text
    // llama-completion reads (no template), which on a model whose template markers are not
    // tokens of their own is far shorter (47 tokens against 5 on bench-106m).
    const mine = (who: Who) => () => {
      const r = parleyRun([...args, ...(who === "parley raw" ? ["--template", "none"] : []), PROMPT]);
      if (r.status !== 0) throw new Error(`parley failed (${r.status}): ${r.stderr.slice(-400)}`);
      samples.push({ run: i, who, wallMs: r.wallMs, peakRssMb: r.peakRssMb });
    };
    const theirs = (threads: number) => () => {
      if (!o.peer) return;
      const r = llamaCompletion(o.peer, o.model, { prompt: PROMPT, tokens: 128, threads, contextSize: 4096 });
      samples.push({
        run: i,
        who: `peer ${threads}`,
        wallMs: r.wallMs,
        peakRssMb: r.peakRssMb,
        generated: r.generated,
      });
    };
    const order = [mine("parley"), ...o.threads.map(theirs), mine("parley raw")];
    for (const step of i % 2 === 0 ? order : order.reverse()) step();
    const last = samples
      .filter((s) => s.run === i)
      .map((s) => `${s.who} ${s.wallMs.toFixed(0)} ms ${s.peakRssMb.toFixed(0)} MB`);
    o.log(`${o.label} one-shot job run ${i + 1}/${o.runs}: ${last.join(", ")}`);
  }
  const of = (who: Who, k: "wallMs" | "peakRssMb") => median(samples.filter((s) => s.who === who).map((s) => s[k]));
  const fastest = fastestThreads(o.peer ? o.threads : [], (t) => of(`peer ${t}`, "wallMs"));
  const best = fastest && { ...fastest, peakRssMb: of(`peer ${fastest.threads}`, "peakRssMb") };
  const against = best ? ` (peer at its best, ${best.threads} thread${best.threads > 1 ? "s" : ""})` : "";
  const rows: Row[] = [
    {
      section: o.label,
      figure: `one-shot job wall time, 128 tokens, parley's threads${against}`,
      parley: of("parley", "wallMs"),
      peer: best?.wallMs,
      unit: "ms",
      target: "<= 1.1x",
    },
    {
      section: o.label,
      figure: `one-shot job wall time, the same raw prompt (--template none)`,
      parley: of("parley raw", "wallMs"),
      peer: best?.wallMs,
      unit: "ms",
      target: "<= 1.1x",
    },
  ];
  if (hasTime) {
    const mem = of("parley", "peakRssMb");
    const theirs = best?.peakRssMb;
    rows.push({
      section: o.label,
      figure: `one-shot job peak RSS (difference ${theirs === undefined ? "-" : `${(mem - theirs).toFixed(0)} MB`})`,
      parley: mem,
      peer: theirs,
      unit: "MB",
      target: "<= peer + 50 MB",
    });
  }
  return { rows, samples };
}

export function runStartup(runs: number, log: (line: string) => void): { rows: Row[]; samples: unknown[] } {
  const kinds = { node: ["-e", "0"], version: [BIN, "--version"], help: [BIN, "--help"] } as const;
  const times: Record<keyof typeof kinds, number[]> = { node: [], version: [], help: [] };
  for (let i = 0; i < runs; i++) {
    for (const k of Object.keys(kinds) as (keyof typeof kinds)[]) {
      const r = run(process.execPath, kinds[k], { env: ENV });
      if (r.status !== 0) throw new Error(`${k} failed (${r.status}): ${r.stderr.slice(-300)}`);
      times[k].push(r.wallMs);
    }
  }
  const node = median(times.node);
  log(
    `startup: node -e 0 ${node.toFixed(0)} ms, --version ${median(times.version).toFixed(0)} ms, --help ${median(times.help).toFixed(0)} ms`,
  );
  return {
    rows: [
      {
        section: "startup",
        figure: "parley --version vs node -e 0",
        parley: median(times.version),
        peer: node,
        unit: "ms",
      },
      { section: "startup", figure: "parley --help vs node -e 0", parley: median(times.help), peer: node, unit: "ms" },
    ],
    samples: [times],
  };
}
