/**
 * `parley serve` against llama.cpp's own `llama-server` of the same release: the same model,
 * threads and `--parallel`, driven by the same HTTP client. Figures: aggregate decode tokens/s
 * with 1, 2 and 4 concurrent streams, time to the first token of a second turn that reuses the
 * first against the same turn read afresh, and the servers' peak memory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Peer } from "../lib/peer.ts";
import { median } from "../stats.ts";
import type { Row } from "../lib/table.ts";

const BIN = join(import.meta.dirname, "..", "..", "bin", "parley.js");

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
  /** Peak resident memory so far, MB (VmHWM). */
  peakMb(): number;
}

function peakOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function waitHealthy(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    const r = await fetch(`${url}/health`).catch(() => undefined);
    if (r?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${what} did not get ready`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

function serverOf(child: ChildProcess, url: string): Server {
  return {
    url,
    child,
    peakMb: () => peakOf(child.pid),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("close", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}

/** `parley serve` with the model loaded and answering; `threads` undefined: parley's own choice. */
export async function startParley(
  model: string,
  parallel: number,
  threads: number | undefined,
  ctx: number,
): Promise<Server> {
  const args = [BIN, "serve", "-m", model, "--port", "0", "--parallel", String(parallel)];
  if (threads !== undefined) args.push("--threads", String(threads));
  args.push("--context-size", String(ctx), "--queue", "64");
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr?.resume();
  const deadline = Date.now() + 60_000;
  while (!/listening on (http:\/\/\S+)/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("parley serve did not start");
    await new Promise((r) => setTimeout(r, 20));
  }
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? "";
  await waitHealthy(url, child, "parley serve");
  return serverOf(child, url);
}

let nextPort = 18_400;

async function startNative(peer: Peer, model: string, parallel: number, threads: number, ctx: number): Promise<Server> {
  const port = nextPort++;
  const args = ["-m", model, "--host", "127.0.0.1", "--port", String(port), "-np", String(parallel)];
  args.push("-t", String(threads), "-c", String(ctx * parallel), "--no-webui");
  const child = spawn(join(peer.dir, "llama-server"), args, { stdio: ["ignore", "ignore", "ignore"] });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, "llama-server");
  return serverOf(child, url);
}

export interface Streamed {
  firstMs: number;
  totalMs: number;
  tokens: number;
}

/** One streamed chat completion; the time to the first content and the completion tokens. */
export async function stream(
  url: string,
  messages: { role: string; content: string }[],
  maxTokens: number,
): Promise<Streamed> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      messages,
      max_tokens: maxTokens,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  if (!res.ok || !res.body) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  let firstMs = Number.NaN;
  let tokens = 0;
  let pieces = 0;
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 2);
      if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
      const data = JSON.parse(line.slice(6)) as {
        choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
        usage?: { completion_tokens?: number } | null;
      };
      const choice = data.choices?.[0];
      if (choice?.delta?.content) pieces++;
      // The first token: its text, or the end of a reply whose first token wrote none.
      if (Number.isNaN(firstMs) && (choice?.delta?.content || choice?.finish_reason))
        firstMs = performance.now() - started;
      if (data.usage?.completion_tokens !== undefined) tokens = data.usage.completion_tokens;
    }
  }
  return { firstMs, totalMs: performance.now() - started, tokens: tokens || pieces };
}

const STORY = "Tell me a long story about a lighthouse keeper and the sea, with many details. ";

/** Aggregate decode rate: every client's completion tokens over the wall time of the whole batch. */
async function aggregate(url: string, clients: number, tokens: number): Promise<number> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: clients }, (_, i) => stream(url, [{ role: "user", content: `${i}: ${STORY}` }], tokens)),
  );
  const wall = (performance.now() - started) / 1000;
  return results.reduce((n, r) => n + r.tokens, 0) / wall;
}

/** Turn 2's first token after turn 1 on the same sequence, and the same turn 2 read afresh. */
async function secondTurn(url: string): Promise<{ reused: number; fresh: number }> {
  const system = {
    role: "system",
    content: `You are a careful assistant. ${"Remember every detail of the sea. ".repeat(40)}`,
  };
  const first = [system, { role: "user", content: "Tell me about the tides." }];
  await stream(url, first, 32);
  const second = [
    ...first,
    { role: "assistant", content: "The tides rise and fall." },
    { role: "user", content: "And the moon?" },
  ];
  const reused = (await stream(url, second, 4)).firstMs;
  // Another long prompt takes the sequence, so the same turn is read from the start.
  await stream(
    url,
    [
      { role: "system", content: `Other. ${"Mountains and rivers. ".repeat(60)}` },
      { role: "user", content: "x" },
    ],
    2,
  );
  const fresh = (await stream(url, second, 4)).firstMs;
  return { reused, fresh };
}

export interface ServerOptions {
  model: string;
  label: string;
  runs: number;
  threads: number;
  peer: Peer | undefined;
  log: (line: string) => void;
}

export async function runServer(options: ServerOptions): Promise<{ rows: Row[]; raw: Record<string, unknown> }> {
  const { model, label, runs, threads, peer, log } = options;
  const ctx = 4096;
  const tokens = 128;
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  let parleyPeak = 0;
  let nativePeak = 0;
  for (const clients of [1, 2, 4]) {
    log(`server: ${clients} concurrent streams of ${tokens} tokens (${label}, ${threads} threads)`);
    const p = await startParley(model, clients, threads, ctx);
    const n = peer ? await startNative(peer, model, clients, threads, ctx) : undefined;
    const ours: number[] = [];
    const theirs: number[] = [];
    try {
      // Warm both up once, then interleave.
      await aggregate(p.url, clients, 8);
      if (n) await aggregate(n.url, clients, 8);
      for (let i = 0; i < runs; i++) {
        ours.push(await aggregate(p.url, clients, tokens));
        if (n) theirs.push(await aggregate(n.url, clients, tokens));
      }
      if (clients === 1) {
        const turnsOurs: { reused: number; fresh: number }[] = [];
        const turnsTheirs: { reused: number; fresh: number }[] = [];
        for (let i = 0; i < runs; i++) {
          turnsOurs.push(await secondTurn(p.url));
          if (n) turnsTheirs.push(await secondTurn(n.url));
        }
        const reused = median(turnsOurs.map((t) => t.reused));
        const fresh = median(turnsOurs.map((t) => t.fresh));
        const nReused = n ? median(turnsTheirs.map((t) => t.reused)) : undefined;
        const nFresh = n ? median(turnsTheirs.map((t) => t.fresh)) : undefined;
        rows.push({
          section: "server",
          figure: `turn 2 first token, reused (${label})`,
          parley: reused,
          peer: nReused,
          unit: "ms",
        });
        rows.push({
          section: "server",
          figure: `turn 2 first token, read afresh (${label})`,
          parley: fresh,
          peer: nFresh,
          unit: "ms",
        });
        rows.push({
          section: "server",
          figure: "turn 2: afresh / reused",
          parley: fresh / reused,
          peer: nReused !== undefined && nFresh !== undefined ? nFresh / nReused : undefined,
          unit: "x",
          ratio: fresh / reused,
          target: ">= 5",
        });
        raw.turns = { parley: turnsOurs, native: turnsTheirs };
      }
    } finally {
      parleyPeak = Math.max(parleyPeak, p.peakMb());
      if (n) nativePeak = Math.max(nativePeak, n.peakMb());
      await p.stop();
      await n?.stop();
    }
    rows.push({
      section: "server",
      figure: `decode, ${clients} concurrent stream${clients > 1 ? "s" : ""} (${label})`,
      parley: median(ours),
      peer: n ? median(theirs) : undefined,
      unit: "tok/s",
      target: ">= 0.9",
    });
    raw[`clients${clients}`] = { parley: ours, native: theirs };
  }
  rows.push({
    section: "server",
    figure: "server peak RSS",
    parley: parleyPeak,
    peer: peer ? nativePeak : undefined,
    unit: "MB",
  });
  return { rows, raw };
}
