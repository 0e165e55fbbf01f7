/**
 * Tool calls through `parley serve`, as the official `openai` package meets them: a call read
 * whole and streamed (the name first, then the arguments), a whole loop (call, `tool` result,
 * final answer), and the refusals, each a 400 naming the field.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ChatCompletionStream } from "openai/lib/ChatCompletionStream";
import { runParley, tempHome } from "../helpers/cli.ts";
import OpenAI from "openai";
import { SCRIPT_REPLY, TOOL_ARGUMENTS, TOOL_PREAMBLE, fixture } from "../helpers/fixtures.ts";
import { homeWithModels } from "../helpers/models-folder.ts";
import { assertChunk, assertCompletion } from "../helpers/openai-shapes.ts";
import { post, startServe, type Served } from "../helpers/serve.ts";

const WEATHER: OpenAI.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const ASK: OpenAI.ChatCompletionMessageParam = { role: "user", content: "What is the weather in Paris?" };

function weatherCall(message: OpenAI.ChatCompletionMessage | undefined): OpenAI.ChatCompletionMessageFunctionToolCall {
  const call = message?.tool_calls?.[0];
  assert.ok(call?.type === "function", "the reply calls a function");
  assert.equal(call.function.name, "get_weather");
  assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGUMENTS);
  return call;
}

describe("parley serve with tools", () => {
  let served: Served;
  let openai: OpenAI;
  before(async () => {
    // The calling model is served; the answering one (a scripted model reads nothing) is in the folder.
    const { home } = homeWithModels({ models: { "tools-answer": "tools-answer" } });
    served = await startServe(["-m", fixture("tools-qwen"), "--template", "qwen", "--max-models", "2"], { home });
    openai = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: "none", maxRetries: 0, timeout: 60_000 });
  });
  after(async () => {
    await served.stop();
  });

  it("answers with tool_calls and finish_reason tool_calls", async () => {
    const completion = await openai.chat.completions.create({ model: "tools-qwen", messages: [ASK], tools: [WEATHER] });
    assertCompletion(completion);
    const choice = completion.choices[0];
    assert.equal(choice?.finish_reason, "tool_calls");
    assert.equal(choice?.message.content, TOOL_PREAMBLE);
    assert.match(weatherCall(choice?.message).id, /^call_/);
  });

  it("streams a call as delta.tool_calls: its id and name first, then its arguments", async () => {
    const stream = await openai.chat.completions.create({
      model: "tools-qwen",
      messages: [ASK],
      tools: [WEATHER],
      stream: true,
    });
    const pieces: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      assertChunk(chunk);
      pieces.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish ??= chunk.choices[0]?.finish_reason;
    }
    assert.equal(finish, "tool_calls");
    assert.equal(pieces[0]?.index, 0);
    assert.equal(pieces[0]?.function?.name, "get_weather");
    assert.match(pieces[0]?.id ?? "", /^call_/);
    const args = pieces.map((p) => p.function?.arguments ?? "").join("");
    assert.deepEqual(JSON.parse(args), TOOL_ARGUMENTS);

    const assembled = await openai.chat.completions
      .stream({ model: "tools-qwen", messages: [ASK], tools: [WEATHER] })
      .finalChatCompletion();
    weatherCall(assembled.choices[0]?.message);
  });

  it("goes round a whole loop: call, tool result, final answer, streamed and not", async () => {
    const first = await openai.chat.completions.create({ model: "tools-qwen", messages: [ASK], tools: [WEATHER] });
    const reply = first.choices[0]?.message;
    assert.ok(reply);
    const call = weatherCall(reply);
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      ASK,
      reply,
      { role: "tool", tool_call_id: call.id, content: "sunny, 21 C" },
    ];
    const final = await openai.chat.completions.create({ model: "tools-answer", messages, tools: [WEATHER] });
    assert.equal(final.choices[0]?.finish_reason, "stop");
    assert.equal(final.choices[0]?.message.content, SCRIPT_REPLY);
    assert.equal(final.choices[0]?.message.tool_calls, undefined);
    const streamed = await openai.chat.completions
      .stream({ model: "tools-answer", messages, tools: [WEATHER] })
      .finalChatCompletion();
    assert.equal(streamed.choices[0]?.message.content, SCRIPT_REPLY);
  });

  it("refuses bad tools and tool messages with a 400 naming the field", async () => {
    const url = `${served.url}/v1/chat/completions`;
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { messages: [ASK], tools: [WEATHER, WEATHER] },
        /tools\[1\]\.function\.name "get_weather" is used by another tool/,
      ],
      [
        { messages: [ASK, { role: "tool", tool_call_id: "call_x", content: "sunny" }] },
        /messages\[1\]\.tool_call_id "call_x" answers no tool call/,
      ],
      [
        {
          messages: [ASK],
          tools: [
            {
              type: "function",
              function: { name: "f", parameters: { type: "object", properties: { n: { not: {} } } } },
            },
          ],
        },
        /tools\[0\]\.function\.parameters: "not" at \/properties\/n cannot be enforced/,
      ],
      [
        { messages: [ASK], tools: [WEATHER], tool_choice: { type: "function", function: { name: "nope" } } },
        /"tool_choice" names the function "nope"/,
      ],
    ];
    for (const [body, message] of cases) {
      for (const stream of [false, true]) {
        const res = await post(url, { model: "tools-qwen", ...body, stream });
        assert.equal(res.status, 400, JSON.stringify(res.json));
        assert.match(res.json.error?.message ?? "", message);
        assert.equal(res.json.error?.type, "invalid_request_error");
      }
    }
  });

  it("reaches it as a remote engine: tools go out, tool_calls come back, results go out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-remote-tools-"));
    const home = tempHome();
    const env = { PARLEY_API_KEY: undefined, PARLEY_BASE_URL: undefined };
    const ask = join(dir, "ask.json");
    writeFileSync(ask, JSON.stringify({ messages: [ASK], tools: [WEATHER] }));
    const remote = ["--base-url", `${served.url}/v1`];
    const run = await runParley([...remote, "-m", "tools-qwen", "--messages", ask, "--jsonl"], { home, env });
    assert.equal(run.code, 0, run.stderr);
    const body = new Response(run.stdout).body;
    assert.ok(body);
    const completion = await ChatCompletionStream.fromReadableStream(body).finalChatCompletion();
    assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
    assert.equal(completion.choices[0]?.message.content, TOOL_PREAMBLE);
    const call = weatherCall(completion.choices[0]?.message);

    // The server checks that the tool message answers a call: the call and its id went out.
    const loop = join(dir, "loop.json");
    const messages = [ASK, completion.choices[0]?.message, { role: "tool", tool_call_id: call.id, content: "sunny" }];
    writeFileSync(loop, JSON.stringify({ messages, tools: [WEATHER] }));
    const answer = await runParley([...remote, "-m", "tools-answer", "--messages", loop, "--json"], { home, env });
    assert.equal(answer.code, 0, answer.stderr);
    const final = JSON.parse(answer.stdout) as OpenAI.ChatCompletion;
    assert.equal(final.choices[0]?.message.content, SCRIPT_REPLY);
    assert.equal(final.choices[0]?.finish_reason, "stop");
  });
});
