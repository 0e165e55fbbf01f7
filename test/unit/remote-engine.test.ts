/**
 * engine/remote against a real HTTP server on 127.0.0.1 that misbehaves on purpose: the parts a
 * reply streams, and each fault as one plain error.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { DEFAULT_PARAMS } from "../../src/chat/params.ts";
import type { ChatEngine, GenerateResult } from "../../src/engine/engine.ts";
import { createEngine } from "../../src/engine/factory.ts";
import { listRemoteModels, remoteTarget } from "../../src/engine/remote/connect.ts";
import { refusedField } from "../../src/engine/remote/body.ts";
import { isOverflow, overflowCounts } from "../../src/engine/remote/words.ts";
import type { RemoteEngineSpec } from "../../src/engine/spec.ts";
import { ContextOverflowError, ModelError, RemoteError, type ParleyError } from "../../src/errors.ts";
import { FAULT_MODEL, SECRET, startFaultServer, type FaultServer } from "../helpers/fault-server.ts";

const HI = [{ role: "user" as const, content: "Hi" }];

interface Run {
  text: string;
  reasoning: string;
  warnings: string[];
  result?: GenerateResult;
  error?: unknown;
}

async function run(engine: ChatEngine, signal?: AbortSignal, params = DEFAULT_PARAMS): Promise<Run> {
  const out: Run = { text: "", reasoning: "", warnings: [] };
  try {
    for await (const part of engine.generate({
      messages: HI,
      params,
      ...(signal ? { signal } : {}),
    })) {
      if (part.type === "text") out.text += part.text;
      if (part.type === "reasoning") out.reasoning += part.text;
      if (part.type === "warning") out.warnings.push(part.text);
      if (part.type === "finish") out.result = part.result;
    }
  } catch (err) {
    out.error = err;
  }
  return out;
}

/** Checks an error is one plain line: a RemoteError (or the class given), no errno, no class name. */
function plain(err: unknown, kind: new (...args: never[]) => ParleyError = RemoteError): string {
  assert.ok(err instanceof kind, `expected ${kind.name}, got ${String(err)}`);
  const message = (err as Error).message;
  assert.ok(!message.includes("\n"), message);
  assert.doesNotMatch(message, /E[A-Z]{4,}|TypeError|fetch failed|UND_ERR|Error:/);
  return message;
}

describe("the remote engine", () => {
  let fault: FaultServer;
  const open = (scenario: string, extra: Partial<RemoteEngineSpec> = {}): Promise<ChatEngine> =>
    createEngine({ kind: "remote", baseUrl: `${fault.url}/${scenario}/v1`, model: FAULT_MODEL, ...extra });
  before(async () => {
    fault = await startFaultServer();
  });
  after(() => fault.close());

  it("takes the context llama-server runs with from /props, for the engine and for the list", async () => {
    const engine = await open("llamaserver");
    assert.equal(engine.info.contextSize, 1024, "not the training context /models gives");
    const listed = await listRemoteModels(
      remoteTarget({ kind: "remote", baseUrl: `${fault.url}/llamaserver/v1`, model: "" }),
    );
    assert.deepEqual(listed, [{ id: FAULT_MODEL, contextSize: 1024, trainContextSize: 4096 }]);
  });

  it("streams a reply with the server's usage and the context size /models gives", async () => {
    const engine = await open("ok");
    assert.equal(engine.info.contextSize, 2048);
    assert.equal(engine.info.name, FAULT_MODEL);
    assert.equal(engine.tokens, undefined);
    assert.equal(engine.state, undefined);
    const r = await run(engine);
    assert.equal(r.text, "Hello world");
    assert.equal(r.result?.stopReason, "stop");
    assert.equal(r.result?.promptTokens, 11);
    assert.equal(r.result?.completionTokens, 2);
    assert.equal(r.result?.estimated, undefined);
    assert.ok(r.result?.firstTokenAt !== undefined);
    const body = fault.bodies.get("ok")?.[0];
    assert.equal(body?.stream, true);
    assert.deepEqual(body?.stream_options, { include_usage: true });
  });

  it("reads data lines split across packets, comments and keep-alive lines", async () => {
    const r = await run(await open("split"));
    assert.equal(r.error, undefined);
    assert.equal(r.text, "Split lines");
  });

  it("estimates the usage, and says so, when the server sends none", async () => {
    const r = await run(await open("nousage"));
    assert.equal(r.text, "No usage");
    assert.equal(r.result?.estimated, true);
    assert.equal(r.result?.completionTokens, 2);
  });

  it("reads a whole completion from a server that does not stream", async () => {
    const r = await run(await open("plainjson"));
    assert.equal(r.error, undefined);
    assert.equal(r.text, "Whole");
    assert.equal(r.result?.completionTokens, 1);
  });

  it("passes reasoning_content on as reasoning", async () => {
    const r = await run(await open("reasoning"));
    assert.equal(r.reasoning, "Let me think.");
    assert.equal(r.text, "<think>more</think>Answer");
  });

  it("names the settings the API has no field for, once", async () => {
    const engine = await open("ok");
    const params = { ...DEFAULT_PARAMS, topK: 5 };
    const first = await run(engine, undefined, params);
    const second = await run(engine, undefined, params);
    assert.match(first.warnings[0] ?? "", /top-k is not sent/);
    assert.equal(second.warnings.length, 0);
  });

  it("an abort ends the reply as aborted", async () => {
    const engine = await open("stall", { idleTimeoutMs: 30_000 });
    const controller = new AbortController();
    const pending = run(engine, controller.signal);
    while ((fault.hits.get("stall") ?? 0) === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const r = await pending;
    assert.equal(r.error, undefined);
    assert.equal(r.result?.stopReason, "abort");
  });

  it("faults: each one plain line", async () => {
    const refused = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const err = (p: Promise<unknown>): Promise<unknown> =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.match(
      plain(await err(createEngine({ kind: "remote", baseUrl: `http://127.0.0.1:${refused}/v1`, model: "x" }))),
      /connection refused/,
    );
    assert.match(
      plain(await err(createEngine({ kind: "remote", baseUrl: "http://parley-test.invalid/v1", model: "x" }))),
      /does not resolve/,
    );
    assert.match(
      plain(await err(createEngine({ kind: "remote", baseUrl: `https://${fault.url.slice(7)}/ok/v1`, model: "x" }))),
      /secure \(https\)/,
    );
    assert.match(
      plain(await err(createEngine({ kind: "remote", baseUrl: "http://127.0.0.1:1/v1", model: "x" }))),
      /port 1 is reserved for another protocol/,
    );
    assert.match(plain(await err(open("redirect"))), /answered with a redirect: give the address it sends to/);
    const auth = plain(await err(open("auth", { apiKeyEnv: "MY_KEY", apiKey: "wrong-key" })));
    assert.match(auth, /MY_KEY was refused/);
    assert.doesNotMatch(auth, /wrong-key/);
    assert.match(plain(await err(open("auth", { apiKeyEnv: "MY_KEY" }))), /MY_KEY is not set/);
    assert.equal((await run(await open("auth", { apiKey: SECRET }))).text, "Hello world");
    assert.match(plain(await err(open("nomodels")), ModelError), /no model "tiny"; it has: alpha, beta/);
    assert.match(plain((await run(await open("fail500"))).error), /failed \(status 500\) \(the GPU fell over\)/);
    assert.match(plain((await run(await open("busy503"))).error), /busy \(status 503\) and stayed busy/);
    const cut = await run(await open("cut"));
    assert.equal(cut.text, "Half a reply");
    assert.match(plain(cut.error), /in the middle of the reply/);
    const stall = await run(await open("stall", { idleTimeoutMs: 500 }));
    assert.match(plain(stall.error), /sent nothing for 1 s/);
    const chunk = await run(await open("errchunk"));
    assert.equal(chunk.text, "Partly");
    assert.match(plain(chunk.error), /reported an error in the middle of the reply: out of memory/);
    assert.match(plain((await run(await open("notjson"))).error), /not JSON, "this is not json"/);
    assert.match(plain((await run(await open("huge"))).error), /longer than 1024 KiB/);
    assert.ok(ContextOverflowError);
  });

  it("waits for a busy server, saying so, and honours Retry-After", async () => {
    const started = Date.now();
    const r = await run(await open("busy429"));
    assert.equal(r.text, "Hello world");
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings[0] ?? "", /busy \(status 429\): trying again in 1\.0 s/);
    assert.ok(Date.now() - started >= 1900);
  });
});

describe("a server's words about a prompt too long, and about a field it refuses", () => {
  it("reads the counts llama-server, parley serve, vLLM and OpenAI give", () => {
    const llama = JSON.stringify({
      error: {
        message: "request (3000 tokens) exceeds the available context size (2048 tokens), try increasing it",
        n_prompt_tokens: 3000,
        n_ctx: 2048,
      },
    });
    assert.deepEqual(overflowCounts(llama), { promptTokens: 3000, contextSize: 2048 });
    const serve = JSON.stringify({
      error: {
        message: "the prompt takes 700 tokens but the context holds 512: shorten it or raise --context-size",
        code: "context_length_exceeded",
      },
    });
    assert.deepEqual(overflowCounts(serve), { promptTokens: 700, contextSize: 512 });
    const vllm = JSON.stringify({
      object: "error",
      message:
        "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4900 in the messages, 100 in the completion).",
    });
    assert.deepEqual(overflowCounts(vllm), { promptTokens: 4900, contextSize: 4096 });
    const openai = JSON.stringify({
      error: {
        message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
        code: "context_length_exceeded",
      },
    });
    assert.deepEqual(overflowCounts(openai), { promptTokens: 9000, contextSize: 8192 });
    assert.deepEqual(overflowCounts("the prompt is too long"), {});
    for (const body of [llama, serve, vllm, openai, "the prompt is too long"]) assert.ok(isOverflow(body), body);
    assert.ok(!isOverflow("the GPU fell over"));
  });

  it("names a refused field only when the words say it is refused, and only one that was sent", () => {
    const sent = { model: "m", messages: [], temperature: 0.7, top_p: 0.9, max_tokens: 10 };
    const openai = JSON.stringify({
      error: {
        message:
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        param: "max_tokens",
      },
    });
    assert.equal(refusedField(openai, sent), "max_tokens");
    assert.equal(
      refusedField(JSON.stringify({ error: "Unrecognized request argument supplied: top_p" }), sent),
      "top_p",
    );
    assert.equal(refusedField(JSON.stringify({ error: { message: "seed is not supported" } }), sent), undefined);
    assert.equal(
      refusedField(JSON.stringify({ error: { message: "the GPU fell over", param: "temperature" } }), sent),
      undefined,
    );
    assert.equal(refusedField("messages must not be empty", sent), undefined);
  });
});
