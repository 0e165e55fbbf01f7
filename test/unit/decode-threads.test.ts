/** The decode thread count parley keeps right while generating, driven by a simulated machine. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DecodeThreads,
  defaultThreads,
  describeThreads,
  fallbackThreads,
  type CpuSample,
} from "../../src/engine/threads.ts";

/**
 * A machine of two cores: tokens take `perToken[threads]` ms, and other programs keep `others`
 * cores busy. `run` generates tokens, moving the clock and the CPU counters as it goes.
 */
function machine(perToken: (threads: number) => number) {
  const state = { now: 0, machine: 0, own: 0, others: 0 };
  const sample = (): CpuSample => ({ at: state.now / 1000, machine: state.machine, own: state.own });
  const elapse = (ms: number, ownCores: number) => {
    state.now += ms;
    state.own += (ms / 1000) * ownCores;
    state.machine += (ms / 1000) * (ownCores + state.others);
  };
  const used: number[] = [];
  return {
    state,
    sample,
    elapse,
    used,
    /** One reply of `tokens` tokens: begin, then token by token. */
    reply(governor: DecodeThreads, tokens: number) {
      let threads = governor.begin();
      for (let i = 0; i < tokens; i++) {
        elapse(perToken(threads), threads);
        used.push(threads);
        threads = governor.tokens(1, state.now);
      }
      governor.end();
    },
  };
}

const share = (used: number[], threads: number, from = 0) =>
  used.slice(from).filter((t) => t === threads).length / used.slice(from).length;

describe("decode threads", () => {
  it("chooses the cores other programs leave free", () => {
    assert.equal(defaultThreads(2, 0.1), 2);
    assert.equal(defaultThreads(2, 0.9), 1);
    assert.equal(defaultThreads(2, 7), 1);
    assert.equal(defaultThreads(1, 0), 1);
    assert.equal(defaultThreads(8, 2.2), 6);
    assert.equal(defaultThreads(64, 0), 16);
    assert.equal(fallbackThreads(2), 1);
    assert.equal(fallbackThreads(8), 4);
    assert.match(describeThreads(2, 0), /^2 threads to generate \(other programs keep 0\.0 of 2 cores busy\)/);
    assert.match(describeThreads(2, 1.2), /^1 thread to generate/);
  });

  it("keeps both cores on an idle machine where the second pays", () => {
    // 1.7x faster with two threads, as a 1.5B model decodes on two idle cores.
    const m = machine((t) => (t === 2 ? 100 : 170));
    const g = new DecodeThreads(2, 1, 2, m.sample);
    m.reply(g, 400);
    assert.ok(share(m.used, 2) > 0.95, `two threads for ${share(m.used, 2)} of the tokens`);
  });

  it("on a small model, where two threads lose by far, looks at one thread at once and stays there", () => {
    // The prebuilt llama.cpp starts a worker thread for every token: on a 260K model two threads
    // took 12 ms a token, one 1.1 ms.
    const m = machine((t) => (t === 2 ? 12 : 1.1));
    const g = new DecodeThreads(2, 1, 2, m.sample);
    m.reply(g, 128);
    const fast = m.used.filter((t) => t === 1).length;
    assert.ok(fast >= 128 - 20, `${fast} of 128 tokens on one thread`);
    m.reply(g, 900);
    assert.ok(share(m.used, 1, 128) > 0.99, `one thread for ${share(m.used, 1, 128)} of the next 900 tokens`);
  });

  it("starts the next reply on the count that was measured faster, not on every free core", () => {
    const m = machine((t) => (t === 2 ? 12 : 1.1));
    const g = new DecodeThreads(2, 1, 2, m.sample);
    m.reply(g, 64);
    m.elapse(1000, 0);
    m.reply(g, 8);
    assert.deepEqual(m.used.slice(64), [1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it("on a model of real size, leaves two threads alone for the first 128 tokens", () => {
    const m = machine((t) => (t === 2 ? 70 : 120));
    const g = new DecodeThreads(2, 1, 2, m.sample);
    m.reply(g, 128);
    assert.equal(share(m.used, 2), 1);
  });

  it("starts with one thread when the load showed a busy core, and moves up once the core is free", () => {
    const m = machine((t) => (t === 2 ? 100 : 170));
    const g = new DecodeThreads(2, 1, 1, m.sample);
    m.state.others = 1;
    m.reply(g, 64);
    assert.equal(share(m.used, 1), 1, "the other core is busy: one thread throughout");
    m.state.others = 0;
    m.elapse(2000, 0);
    m.reply(g, 64);
    assert.ok(share(m.used, 2, 64) > 0.9, "the core is free again: two threads");
  });

  it("moves up within a few tokens when the load looked busy but the cores are free", () => {
    // Reading a model from disk can look like another program's work; the first reply must not pay
    // for it with a whole window of slow tokens.
    const m = machine((t) => (t === 2 ? 100 : 170));
    const g = new DecodeThreads(2, 1, 1, m.sample);
    m.reply(g, 64);
    const slow = m.used.filter((t) => t === 1).length;
    assert.ok(slow <= 4, `${slow} tokens on one thread`);
  });

  it("moves up within a few tokens when a program that ran between replies has stopped", () => {
    // A client that starts just before its request (parley serve's case) looks like another program.
    const m = machine((t) => (t === 2 ? 100 : 170));
    const g = new DecodeThreads(2, 1, 2, m.sample);
    m.reply(g, 200);
    m.state.others = 1;
    m.elapse(800, 0);
    m.state.others = 0;
    m.reply(g, 64);
    const slow = m.used.slice(200).filter((t) => t === 1).length;
    assert.ok(slow >= 1 && slow <= 4, `${slow} tokens on one thread`);
  });

  it("looks at what the machine did while the first prompt was read", () => {
    const m = machine((t) => (t === 2 ? 100 : 170));
    const g = new DecodeThreads(2, 1, 2, m.sample);
    g.reading();
    m.state.others = 1;
    m.elapse(600, 2);
    m.reply(g, 4);
    assert.deepEqual(m.used, [1, 1, 1, 1]);
  });

  it("falls back to one thread when another program takes the second core mid-reply", () => {
    const busy = { on: false };
    // With a busy core llama.cpp's two threads wait on each other: 5x slower than one thread.
    const m = machine((t) => (t === 2 ? (busy.on ? 900 : 100) : 170));
    const lines: string[] = [];
    const g = new DecodeThreads(2, 1, 2, m.sample, (line) => lines.push(line));
    m.reply(g, 40);
    busy.on = true;
    m.state.others = 1;
    m.reply(g, 200);
    const tail = m.used.slice(40 + 30);
    assert.ok(share(tail, 1) > 0.95, `one thread for ${share(tail, 1)} of the tokens once the core was taken`);
    const slow = m.used.slice(40).filter((t) => t === 2).length;
    assert.ok(slow <= 12, `${slow} tokens were written on two threads after the core was taken`);
    assert.equal(lines[0], "decode threads: 2 to start with");
    assert.ok(
      lines.some((l) => /^decode threads: 2 → 1 \(\d+ ms a token, against \d+ ms a token at best\)$/.test(l)),
      lines.join("\n"),
    );
  });

  it("in one long reply, goes back to two threads soon after a program that took a core stops", () => {
    const busy = { on: false };
    const m = machine((t) => (t === 2 ? (busy.on ? 900 : 100) : 170));
    const g = new DecodeThreads(2, 1, 2, m.sample);
    let threads = g.begin();
    const step = () => {
      m.elapse(threads === 2 ? (busy.on ? 900 : 100) : 170, threads);
      m.used.push(threads);
      threads = g.tokens(1, m.state.now);
    };
    for (let i = 0; i < 300; i++) step();
    busy.on = true;
    m.state.others = 1;
    for (let i = 0; i < 200; i++) step();
    busy.on = false;
    m.state.others = 0;
    for (let i = 0; i < 200; i++) step();
    const back = m.used.slice(500).findIndex((t) => t === 2);
    assert.ok(back >= 0 && back <= 80, `two threads again after ${back} tokens`);
  });

  it("drops the second thread when it does not pay, and tries it again less and less often", () => {
    // Two threads slower than one (a second core the chat screen's own work keeps busy).
    const m = machine((t) => (t === 2 ? 200 : 170));
    const g = new DecodeThreads(2, 1, 2, m.sample);
    m.reply(g, 2000);
    assert.ok(share(m.used, 1, 200) > 0.95, `one thread for ${share(m.used, 1, 200)} of the later tokens`);
  });

  it("looks at what the machine did between replies", () => {
    const m = machine((t) => (t === 2 ? 100 : 170));
    const lines: string[] = [];
    const g = new DecodeThreads(2, 1, 2, m.sample, (line) => lines.push(line));
    m.reply(g, 16);
    m.state.others = 1;
    m.elapse(3000, 0);
    m.reply(g, 4);
    assert.deepEqual(m.used.slice(16), [1, 1, 1, 1]);
    assert.equal(lines.at(-1), "decode threads: 2 → 1 as the reply starts (others kept 1.00 cores busy)");
  });

  it("never changes a count that has nowhere to go", () => {
    const m = machine(() => 100);
    const g = new DecodeThreads(1, 1, 1, m.sample);
    m.state.others = 0.5;
    m.reply(g, 100);
    assert.equal(share(m.used, 1), 1);
  });
});
