/**
 * A one-shot answer from a model held by a running `parley serve` (parley as its client, the way a
 * user gets it with `--base-url` or a named endpoint) against `llama-completion` loading the model
 * itself for the same 128 tokens, at each of the peer's thread counts (the best one is the
 * reference). And what parley's client costs on a stream: decode tokens/s as parley reads them
 * against the same server's stream read by a bare HTTP client. Runs alternate between the three.
 */
import { llamaCompletion } from "../lib/peer.ts";
import { parleyRun } from "../lib/parley.ts";
import { fastestThreads, type SectionOptions } from "../lib/section.ts";
import type { Row } from "../lib/table.ts";
import { median } from "../stats.ts";
import { startParley, stream } from "./server.ts";

export type ResidentOptions = SectionOptions;

const PROMPT = "Once upon a time";
const TOKENS = 128;

interface Sample {
  run: number;
  who: "parley client" | "bare client" | `peer ${number}`;
  wallMs: number;
  /** Decode tokens per second after the first token, as the reader measured them. */
  decode: number;
  tokens: number;
}

export async function runResident(o: ResidentOptions): Promise<{ rows: Row[]; samples: Sample[] }> {
  const server = await startParley(o.model, 1, undefined, 4096);
  const samples: Sample[] = [];
  try {
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    const id = listed.data[0]?.id;
    if (!id) throw new Error("parley serve lists no model");
    const client = () => {
      const args = ["--base-url", `${server.url}/v1`, "-m", id, "-n", String(TOKENS), "--temperature", "0"];
      const r = parleyRun([...args, "--seed", "1", "--no-history", "--json", PROMPT]);
      if (r.status !== 0) throw new Error(`parley (client) failed (${r.status}): ${r.stderr.slice(-400)}`);
      const c = JSON.parse(r.stdout) as {
        usage: { completion_tokens: number };
        timings: { predicted_per_second: number };
      };
      return { wallMs: r.wallMs, decode: c.timings.predicted_per_second, tokens: c.usage.completion_tokens };
    };
    const bare = async () => {
      const started = performance.now();
      const s = await stream(server.url, [{ role: "user", content: PROMPT }], TOKENS);
      const decode = s.tokens > 1 ? ((s.tokens - 1) * 1000) / (s.totalMs - s.firstMs) : 0;
      return { wallMs: performance.now() - started, decode, tokens: s.tokens };
    };
    await bare();
    for (let run = 0; run < o.runs; run++) {
      samples.push({ run, who: "parley client", ...client() });
      samples.push({ run, who: "bare client", ...(await bare()) });
      for (const t of o.peer ? o.threads : []) {
        const r = llamaCompletion(o.peer!, o.model, { prompt: PROMPT, tokens: TOKENS, threads: t, contextSize: 4096 });
        samples.push({ run, who: `peer ${t}`, wallMs: r.wallMs, decode: Number.NaN, tokens: r.generated });
      }
      o.log(
        `${o.label} resident run ${run + 1}/${o.runs}: ` +
          samples
            .filter((s) => s.run === run)
            .map(
              (s) =>
                `${s.who} ${s.wallMs.toFixed(0)} ms${Number.isNaN(s.decode) ? "" : ` ${s.decode.toFixed(1)} tok/s`}`,
            )
            .join(", "),
      );
    }
  } finally {
    await server.stop();
  }
  const of = (who: Sample["who"], k: "wallMs" | "decode") =>
    median(samples.filter((s) => s.who === who).map((s) => s[k]));
  const best = fastestThreads(o.peer ? o.threads : [], (t) => of(`peer ${t}`, "wallMs"));
  const rows: Row[] = [
    {
      section: o.label,
      figure: `one-shot, model held by parley serve${best ? ` (peer: llama-completion, ${best.threads} threads, its best)` : ""}`,
      parley: of("parley client", "wallMs"),
      peer: best?.wallMs,
      unit: "ms",
      target: "<= 0.6x",
    },
    {
      section: o.label,
      figure: "decode read by parley's client / by a bare HTTP client (same server)",
      parley: of("parley client", "decode"),
      peer: of("bare client", "decode"),
      unit: "tok/s",
      target: ">= 0.98",
    },
  ];
  return { rows, samples };
}
