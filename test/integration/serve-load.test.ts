/**
 * `parley serve` under load and at its edges: parallel sequences, aborts, a full queue, API keys,
 * slow and many clients, several models, recording, and stopping with SIGTERM.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, copyFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { tempHome, waitFor } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";
import { post, startServe, type Served } from "../helpers/serve.ts";

function client(served: Served, apiKey = "none"): OpenAI {
  return new OpenAI({ baseURL: `${served.url}/v1`, apiKey, maxRetries: 0, timeout: 60_000 });
}

const HI = [{ role: "user" as const, content: "Hi" }];

async function streamText(openai: OpenAI, body: OpenAI.ChatCompletionCreateParamsNonStreaming): Promise<string> {
  const stream = await openai.chat.completions.create({ ...body, stream: true });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  return text;
}

describe("parley serve: parallel sequences", () => {
  let served: Served;
  before(async () => {
    served = await startServe(["-m", fixture("random"), "--parallel", "3"]);
  });
  after(() => served.stop());

  it("answers concurrent streams with the same text as the same requests one by one", async () => {
    const openai = client(served);
    const bodies = [1, 2, 3].map((seed) => ({
      model: "random",
      messages: [{ role: "user" as const, content: `question ${seed}` }],
      seed,
      temperature: 0,
      max_tokens: 24,
    }));
    const alone: string[] = [];
    for (const body of bodies) alone.push(await streamText(openai, body));
    const together = await Promise.all(bodies.map((body) => streamText(openai, body)));
    assert.deepEqual(together, alone);
    assert.ok(alone.every((t) => t.length > 0));
  });
});

describe("parley serve: a full queue, many clients, slow clients", () => {
  let served: Served;
  before(async () => {
    served = await startServe(["-m", fixture("loop"), "--parallel", "1", "--queue", "1"]);
  });
  after(() => served.stop());

  it("stops a stream whose client went away, and frees its sequence at once", async () => {
    const openai = client(served);
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: "loop", messages: HI, stream: true, max_tokens: 100000 },
      { signal: controller.signal },
    );
    let chunks = 0;
    try {
      for await (const chunk of stream) {
        void chunk;
        if (++chunks === 3) controller.abort();
      }
    } catch {
      // The SDK may end the loop quietly or with an abort error.
    }
    assert.equal(chunks, 3);
    // The one sequence is free again: the next request is answered at once, not after 100,000 tokens.
    const started = Date.now();
    const next = await openai.chat.completions.create({ model: "loop", messages: HI, max_tokens: 4 });
    assert.equal(next.choices[0]?.finish_reason, "length");
    assert.ok(Date.now() - started < 5_000, `${Date.now() - started} ms`);
    await waitFor(
      () => /POST \/v1\/chat\/completions 499/.test(served.stderr()),
      10_000,
      "the aborted request's log line",
    );
  });

  it("answers 503 with Retry-After when every sequence is busy and the queue is full", async () => {
    // One sequence, a queue of one: of four requests sent at once, one runs, one waits, the rest are refused.
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => post(`${served.url}/v1/chat/completions`, { messages: HI, max_tokens: 400 })),
    );
    const refused = results.filter((r) => r.status === 503);
    const answered = results.filter((r) => r.status === 200);
    assert.ok(answered.length >= 2, JSON.stringify(results.map((r) => r.status)));
    assert.ok(refused.length >= 1, JSON.stringify(results.map((r) => r.status)));
    for (const r of refused) {
      assert.equal(r.headers.get("retry-after"), "1");
      assert.equal(r.json.error?.code, "server_busy");
      assert.match(r.json.error?.message ?? "", /sequences are busy/);
    }
  });

  it("takes 200 connections at once: each is answered or told to retry, and the server goes on", async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        post(`${served.url}/v1/chat/completions`, { messages: HI, max_tokens: 1 }).then(
          (r) => r.status,
          () => 0,
        ),
      ),
    );
    assert.ok(
      results.every((s) => s === 200 || s === 503),
      JSON.stringify(results.filter((s) => s !== 200 && s !== 503)),
    );
    assert.ok(results.includes(200));
    const after = await post(`${served.url}/v1/chat/completions`, { messages: HI, max_tokens: 1 });
    assert.equal(after.status, 200);
  });

  it("serves others while a client sends its body one byte a second", async () => {
    const { port, hostname } = new URL(served.url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`,
    );
    let answer = "";
    socket.setEncoding("utf8").on("data", (d: string) => (answer += d));
    const drip = setInterval(() => socket.write("{"), 1000);
    try {
      const ok = await post(`${served.url}/v1/chat/completions`, { messages: HI, max_tokens: 2 });
      assert.equal(ok.status, 200);
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
  });
});

describe("parley serve: API keys", () => {
  let served: Served;
  before(async () => {
    served = await startServe(["-m", fixture("script")], { env: { PARLEY_API_KEY: "sekrit-key" } });
  });
  after(() => served.stop());

  it("needs the key on every route but /health", async () => {
    assert.equal((await fetch(`${served.url}/health`)).status, 200);
    const none = await post(`${served.url}/v1/chat/completions`, { messages: HI });
    assert.equal(none.status, 401);
    assert.match(none.json.error?.message ?? "", /API key is needed/);
    const wrong = await post(`${served.url}/v1/chat/completions`, { messages: HI }, { Authorization: "Bearer nope" });
    assert.equal(wrong.status, 401);
    assert.ok(!JSON.stringify(wrong.json).includes("sekrit"));
    assert.equal((await fetch(`${served.url}/v1/models`)).status, 401);
    await assert.rejects(
      client(served, "wrong").models.list(),
      (err: unknown) => err instanceof OpenAI.AuthenticationError,
    );
    const ok = await client(served, "sekrit-key").chat.completions.create({ model: "script", messages: HI });
    assert.equal(ok.choices[0]?.message.content, SCRIPT_REPLY);
  });
});

describe("parley serve: CORS", () => {
  it("answers browsers only from the origin --cors names", async () => {
    const open = await startServe(["-m", fixture("script"), "--cors", "http://app.test"]);
    const closed = await startServe(["-m", fixture("script")]);
    try {
      const preflight = await fetch(`${open.url}/v1/chat/completions`, {
        method: "OPTIONS",
        headers: { Origin: "http://app.test", "Access-Control-Request-Method": "POST" },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get("access-control-allow-origin"), "http://app.test");
      const other = await fetch(`${open.url}/v1/models`, { headers: { Origin: "http://evil.test" } });
      assert.equal(other.headers.get("access-control-allow-origin"), null);
      const off = await fetch(`${closed.url}/v1/models`, { headers: { Origin: "http://app.test" } });
      assert.equal(off.headers.get("access-control-allow-origin"), null);
      const badCors = await (
        await import("../helpers/cli.ts")
      ).runParley(["serve", "-m", fixture("script"), "--cors", "not a url"]);
      assert.equal(badCors.code, 2);
      assert.match(badCors.stderr, /invalid value for --cors/);
    } finally {
      await open.stop();
      await closed.stop();
    }
  });
});

describe("parley serve: several models, recording, stopping", () => {
  it("loads a model by name on first use and unloads the least recently used past --max-models", async () => {
    const home = tempHome();
    const models = join(home, "models");
    mkdirSync(models, { recursive: true });
    copyFileSync(fixture("script"), join(models, "alpha.gguf"));
    copyFileSync(fixture("llama3"), join(models, "beta.gguf"));
    const served = await startServe(["-m", "alpha", "--max-models", "1"], { home });
    try {
      const openai = client(served);
      const ids = (await openai.models.list()).data.map((m) => m.id);
      assert.deepEqual(ids, ["alpha", "beta"]);
      const beta = await openai.chat.completions.create({ model: "beta", messages: HI });
      assert.equal(beta.model, "beta");
      assert.equal(beta.choices[0]?.message.content, SCRIPT_REPLY);
      const alpha = await openai.chat.completions.create({ model: "alpha", messages: HI });
      assert.equal(alpha.model, "alpha");
      assert.match(served.stderr(), /unloading alpha\.gguf[\s\S]*loaded beta\.gguf[\s\S]*unloading beta\.gguf/);
    } finally {
      await served.stop();
    }
  });

  it("unloads a model left idle for --keep-alive, and loads it again for the next request", async () => {
    const served = await startServe(["-m", fixture("script"), "--keep-alive", "2s"]);
    try {
      const openai = client(served);
      const loaded = async () => {
        const r = await fetch(`${served.url}/v1/models`);
        return ((await r.json()) as { data: { loaded: boolean }[] }).data[0]?.loaded;
      };
      assert.equal(
        (await openai.chat.completions.create({ model: "script", messages: HI })).choices[0]?.message.content,
        SCRIPT_REPLY,
      );
      assert.equal(await loaded(), true);
      await waitFor(
        () => /unloading script\.gguf: idle for 2 s/.test(served.stderr()),
        15_000,
        "the idle model to unload",
      );
      assert.equal(await loaded(), false);
      assert.equal((await fetch(`${served.url}/health`)).status, 200, "the server stays ready");
      const again = await openai.chat.completions.create({ model: "script", messages: HI });
      assert.equal(again.choices[0]?.message.content, SCRIPT_REPLY);
      assert.equal(await loaded(), true);
    } finally {
      await served.stop();
    }
  });

  it("refuses a --keep-alive that is not a time, in one line", async () => {
    const { runParley } = await import("../helpers/cli.ts");
    for (const bad of ["0", "soon", "-5m", "40d"]) {
      const r = await runParley(["serve", "-m", fixture("script"), "--keep-alive", bad]);
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(
        r.stderr.trim(),
        /^parley: invalid value for --keep-alive: ".*" \(expected a time from 1s to 30 days, like 90s, 10m or 2h\)$/,
      );
    }
  });

  it("writes requests to the history only with --record", async () => {
    const home = tempHome();
    const served = await startServe(["-m", fixture("script"), "--record"], { home });
    try {
      await client(served).chat.completions.create({ model: "script", messages: HI });
      const dir = join(home, "conversations");
      await waitFor(
        () => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(".jsonl")),
        10_000,
        "a conversation file",
      );
    } finally {
      await served.stop();
    }
    const plainHome = tempHome();
    const plain = await startServe(["-m", fixture("script")], { home: plainHome });
    try {
      await client(plain).chat.completions.create({ model: "script", messages: HI });
    } finally {
      await plain.stop();
    }
    const plainDir = join(plainHome, "conversations");
    assert.ok(!existsSync(plainDir) || readdirSync(plainDir).length === 0);
  });

  it("on SIGTERM finishes the running stream, then exits 0", async () => {
    const served = await startServe(["-m", fixture("loop")]);
    const openai = client(served);
    const stream = await openai.chat.completions.create({ model: "loop", messages: HI, stream: true, max_tokens: 300 });
    let text = "";
    let signalled = false;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish ??= chunk.choices[0]?.finish_reason;
      if (!signalled && text.length > 10) {
        signalled = true;
        served.child.kill("SIGTERM");
      }
    }
    assert.equal(finish, "length");
    const { code } = await served.exited;
    assert.equal(code, 0, served.stderr());
    assert.match(served.stderr(), /stopping/);
  });

  it("exits at once with 130 on a second Ctrl+C while a stream runs", async () => {
    const served = await startServe(["-m", fixture("loop")]);
    const openai = client(served);
    const stream = await openai.chat.completions.create({
      model: "loop",
      messages: HI,
      stream: true,
      max_tokens: 100000,
    });
    let chunks = 0;
    try {
      for await (const chunk of stream) {
        void chunk;
        if (++chunks === 3) {
          served.child.kill("SIGINT");
          await waitFor(() => /stopping/.test(served.stderr()), 10_000, "the first Ctrl+C");
          served.child.kill("SIGINT");
        }
      }
    } catch {
      // The server went away mid-stream.
    }
    const { code } = await served.exited;
    assert.equal(code, 130, served.stderr());
  });

  it("says in one line when the port is taken, and warns when serving beyond this machine without a key", async () => {
    const first = await startServe(["-m", fixture("script")]);
    try {
      const port = new URL(first.url).port;
      const { runParley } = await import("../helpers/cli.ts");
      const r = await runParley(["serve", "-m", fixture("script"), "--port", port]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
      assert.equal(r.stderr.trim().split("\n").length, 1);
      const bad = await runParley(["serve", "-m", fixture("script"), "--port", "99999"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /invalid value for --port/);
    } finally {
      await first.stop();
    }
    const open = await startServe(["-m", fixture("script"), "--host", "0.0.0.0"], { ready: false });
    try {
      await waitFor(() => /without an API key/.test(open.stderr()), 10_000, "the warning");
    } finally {
      await open.stop();
    }
  });
});
