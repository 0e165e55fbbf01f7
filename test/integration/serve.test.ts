/**
 * `parley serve` as clients meet it: the official `openai` package against a real server on
 * 127.0.0.1, running the real engine on the tiny GGUF fixtures.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";
import { assertChunk, assertCompletion } from "../helpers/openai-shapes.ts";
import { post, startServe, type Served } from "../helpers/serve.ts";

function client(served: Served, apiKey = "none"): OpenAI {
  return new OpenAI({ baseURL: `${served.url}/v1`, apiKey, maxRetries: 0, timeout: 60_000 });
}

const HI = [{ role: "user" as const, content: "Hi" }];

describe("parley serve with the openai SDK", () => {
  let served: Served;
  let openai: OpenAI;
  before(async () => {
    served = await startServe(["-m", fixture("script")]);
    openai = client(served);
  });
  after(() => served.stop());

  it("lists the served model with its context and file size, and finds it by id", async () => {
    const list = await openai.models.list();
    const ids = list.data.map((m) => m.id);
    assert.deepEqual(ids, ["script"]);
    const model = list.data[0] as unknown as Record<string, unknown>;
    assert.equal(model.object, "model");
    assert.equal(model.loaded, true);
    assert.ok(typeof model.context_size === "number" && model.context_size > 0);
    assert.ok(typeof model.file_size === "number" && model.file_size > 1000);
    const one = await openai.models.retrieve("script");
    assert.equal(one.id, "script");
  });

  it("answers a chat completion in the shape --json writes", async () => {
    const completion = await openai.chat.completions.create({ model: "script", messages: HI });
    assertCompletion(completion);
    assert.equal(completion.choices[0]?.message.content, SCRIPT_REPLY);
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.equal(completion.model, "script");
    assert.ok((completion.usage?.prompt_tokens ?? 0) > 0);
    assert.equal(completion.usage?.completion_tokens, 4);
    assert.ok("timings" in completion);
  });

  it("streams chunks, then the usage when asked for", async () => {
    const stream = await openai.chat.completions.create({
      model: "script",
      messages: HI,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    const chunks = [];
    for await (const chunk of stream) {
      assertChunk(chunk);
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
    }
    assert.equal(text, SCRIPT_REPLY);
    assert.equal(chunks[0]?.choices[0]?.delta.role, "assistant");
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    assert.equal(finish?.choices[0]?.finish_reason, "stop");
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.equal(last?.usage?.completion_tokens, 4);
    const plain = await openai.chat.completions.create({ model: "script", messages: HI, stream: true });
    const plainChunks = [];
    for await (const chunk of plain) plainChunks.push(chunk);
    assert.ok(
      plainChunks.every((c) => !c.usage),
      "no usage chunk unless include_usage",
    );
  });

  it("stops at a stop text, and reuses the prompt a sequence already holds", async () => {
    const completion = await openai.chat.completions.create({ model: "script", messages: HI, stop: [" parley"] });
    assert.equal(completion.choices[0]?.message.content, "Hello from");
    const again = await openai.chat.completions.create({ model: "script", messages: HI });
    const cached = again.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    assert.ok(cached > 0 && cached < (again.usage?.prompt_tokens ?? 0), `cached ${cached}`);
  });

  it("continues a raw text with /v1/completions", async () => {
    const completion = await openai.completions.create({ model: "script", prompt: "Once", max_tokens: 8 });
    assert.equal(completion.object, "text_completion");
    assert.equal(typeof completion.choices[0]?.text, "string");
    assert.ok((completion.usage?.completion_tokens ?? 0) > 0);
    const stream = await openai.completions.create({ model: "script", prompt: "Once", max_tokens: 8, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    assert.equal(text, completion.choices[0]?.text);
  });

  it("says why, with the right status, for each kind of bad request; and keeps serving", async () => {
    const url = `${served.url}/v1/chat/completions`;
    const cases: [string, unknown, number, RegExp, string | null][] = [
      ["invalid JSON", '{"messages": [', 400, /not valid JSON/, null],
      ["not an object", "[1, 2]", 400, /must be a JSON object/, null],
      ["empty messages", { messages: [] }, 400, /messages is empty/, "messages"],
      ["no messages", { model: "script" }, 400, /"messages" must be an array/, "messages"],
      ["unknown role", { messages: [{ role: "wizard", content: "x" }] }, 400, /role "wizard"/, "messages[0].role"],
      ["content of a wrong type", { messages: [{ role: "user", content: 5 }] }, 400, /content/, "messages[0].content"],
      ["temperature of a wrong type", { messages: HI, temperature: "hot" }, 400, /temperature/, "temperature"],
      ["max_tokens below one", { messages: HI, max_tokens: 0 }, 400, /max_tokens/, "max_tokens"],
      ["stream of a wrong type", { messages: HI, stream: "yes" }, 400, /stream/, "stream"],
      ["stop of a wrong type", { messages: HI, stop: 3 }, 400, /stop/, "stop"],
      ["model of a wrong type", { messages: HI, model: 3 }, 400, /model/, "model"],
      ["a field parley does not know", { messages: HI, wizardry: true }, 400, /wizardry/, "wizardry"],
      ["n above one", { messages: HI, n: 2 }, 400, /"n" must be 1/, "n"],
      ["a model with path characters", { messages: HI, model: "../../etc/passwd" }, 400, /not a path/, "model"],
      [
        "an unknown model",
        { messages: HI, model: "nosuch" },
        404,
        /"nosuch" does not exist here; models: script/,
        "model",
      ],
      [
        "a bad response_format",
        { messages: HI, response_format: { type: "xml" } },
        400,
        /response_format/,
        "response_format.type",
      ],
    ];
    for (const [what, body, status, message, param] of cases) {
      const r = await post(url, body);
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.json)}`);
      assert.match(r.json.error?.message ?? "", message, what);
      assert.equal(r.json.error?.param ?? null, param, `${what}: param`);
      assert.ok(!/Error:|at .*\.js|ENOENT|EISDIR/.test(r.json.error?.message ?? ""), `${what}: plain words`);
    }
    const notFound = await fetch(`${served.url}/v1/nosuch`);
    assert.equal(notFound.status, 404);
    const wrongMethod = await fetch(url);
    assert.equal(wrongMethod.status, 405);
    const embeddings = await post(`${served.url}/v1/embeddings`, { input: "x" });
    assert.equal(embeddings.status, 404);
    assert.match(embeddings.json.error?.message ?? "", /does not offer embeddings/);
    const badEncoding = await fetch(`${served.url}/v1/models/%E0%A4%A`);
    assert.equal(badEncoding.status, 400);
    const ok = await openai.chat.completions.create({ model: "script", messages: HI });
    assert.equal(ok.choices[0]?.message.content, SCRIPT_REPLY);
  });

  it("refuses a 50 MB body with 413 and keeps serving", async () => {
    const big = JSON.stringify({ messages: [{ role: "user", content: "x".repeat(50 * 1024 * 1024) }] });
    const res = await fetch(`${served.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: big,
    }).catch((err: unknown) => err as Error);
    // The server may answer before the client has sent it all, and close the connection.
    if (!(res instanceof Error)) {
      assert.equal(res.status, 413);
      const body = (await res.json()) as { error: { message: string } };
      assert.match(body.error.message, /larger than 16 MB/);
    }
    const ok = await openai.chat.completions.create({ model: "script", messages: HI });
    assert.equal(ok.choices[0]?.message.content, SCRIPT_REPLY);
  });

  it("logs one line per request on stderr, model output never in it", () => {
    const lines = served.stderr().split("\n");
    const chat = lines.find((l) =>
      /POST \/v1\/chat\/completions 200 model=script prompt=\d+ completion=4 \d+ms$/.test(l),
    );
    assert.ok(chat, served.stderr());
    assert.ok(!served.stderr().includes(SCRIPT_REPLY));
  });
});

describe("parley serve: prompts larger than the context, schemas and seeds", () => {
  let tiny: Served;
  let random: Served;
  before(async () => {
    tiny = await startServe(["-m", fixture("tiny")]);
    random = await startServe(["-m", fixture("random")]);
  });
  after(async () => {
    await tiny.stop();
    await random.stop();
  });

  it("answers a prompt larger than the context with 400 context_length_exceeded, never 500", async () => {
    const r = await post(`${tiny.url}/v1/chat/completions`, {
      messages: [{ role: "user", content: "word ".repeat(400) }],
    });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.equal(r.json.error?.code, "context_length_exceeded");
    const openai = client(tiny);
    await assert.rejects(
      openai.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "word ".repeat(400) }] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError,
    );
  });

  it("gives the same text for the same seed", async () => {
    const openai = client(random);
    const ask = (seed: number) =>
      openai.chat.completions.create({ model: "random", messages: HI, seed, temperature: 1, max_tokens: 24 });
    const a = await ask(7);
    const b = await ask(7);
    assert.equal(a.choices[0]?.message.content, b.choices[0]?.message.content);
    assert.ok((a.choices[0]?.message.content ?? "").length > 0);
  });

  it("constrains the reply to a JSON schema (response_format json_schema)", async () => {
    const openai = client(random);
    const completion = await openai.chat.completions.create({
      model: "random",
      messages: HI,
      max_tokens: 200,
      temperature: 0.7,
      seed: 3,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "answer",
          schema: {
            type: "object",
            properties: { ok: { type: "boolean" } },
            required: ["ok"],
            additionalProperties: false,
          },
        },
      },
    });
    const value = JSON.parse(completion.choices[0]?.message.content ?? "") as { ok: unknown };
    assert.equal(typeof value.ok, "boolean");
  });
});
