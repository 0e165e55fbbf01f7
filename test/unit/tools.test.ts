/**
 * Tools in pieces: reading and checking tool sets and tool messages, the chat history node-llama-cpp
 * reads (calls with their results), tool schemas as its grammar takes them, the JSON and JSONL
 * shapes of a call, the remote request and stream; then a Conversation on the real engine that
 * calls a tool, takes its result and answers, saved as it goes.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parseMessagesInput } from "../../src/chat/messages.ts";
import { checkToolMessages, parseToolSet, unansweredCalls } from "../../src/chat/tools.ts";
import type { Message, ToolCall } from "../../src/chat/types.ts";
import type { Conversation } from "../../src/core/conversation.ts";
import { openConversation } from "../../src/core/open.ts";
import { toHistory } from "../../src/engine/llama/history.ts";
import { llamaFunctions, toGbnfSchema } from "../../src/engine/llama/tools.ts";
import { readChunk, requestBody } from "../../src/engine/remote/body.ts";
import { DEFAULT_PARAMS } from "../../src/chat/params.ts";
import { toChatCompletion } from "../../src/output/json.ts";
import { toChunks } from "../../src/output/jsonl.ts";
import { readConversation } from "../../src/store/conversations.ts";
import { tempHome } from "../helpers/cli.ts";
import { conversationOver, drain } from "../helpers/conversation.ts";
import type { ChatEngine, EnginePart } from "../../src/engine/engine.ts";
import { fixture, TOOL_ARGUMENTS, TOOL_PREAMBLE } from "../helpers/fixtures.ts";

process.env.PARLEY_HOME = tempHome();

const WEATHER = {
  type: "function" as const,
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const CALL: ToolCall = { id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };

describe("reading tools", () => {
  it("reads tools, tool_choice and parallel_tool_calls", () => {
    const set = parseToolSet({ tools: [WEATHER], tool_choice: "required", parallel_tool_calls: false });
    assert.deepEqual(set, { tools: [WEATHER], choice: "required", parallel: false });
    assert.equal(parseToolSet({ tool_choice: "none" }), undefined);
    assert.equal(parseToolSet({}), undefined);
  });

  it("reads assistant calls and tool results, and the calls still waiting", () => {
    const request = parseMessagesInput(
      JSON.stringify([
        { role: "user", content: "weather?" },
        { role: "assistant", content: null, tool_calls: [CALL, { ...CALL, id: "c2" }] },
        { role: "tool", tool_call_id: "c1", content: "sunny" },
      ]),
      "test",
    );
    assert.deepEqual(request.messages[1], {
      role: "assistant",
      content: "",
      tool_calls: [CALL, { ...CALL, id: "c2" }],
    });
    assert.deepEqual(request.messages[2], { role: "tool", content: "sunny", tool_call_id: "c1" });
    assert.deepEqual(
      unansweredCalls(request.messages).map((c) => c.id),
      ["c2"],
    );
  });

  it("refuses a result twice, a result after a user turn, and a call id used twice", () => {
    const user: Message = { role: "user", content: "x" };
    const calling: Message = { role: "assistant", content: "", tool_calls: [CALL] };
    const result: Message = { role: "tool", content: "r", tool_call_id: "c1" };
    assert.throws(() => checkToolMessages([user, calling, result, result]), /messages\[3\].*already answered/);
    assert.throws(
      () => checkToolMessages([user, calling, user, result]),
      /messages\[3\]\.tool_call_id "c1" answers no/,
    );
    assert.throws(() => checkToolMessages([user, calling, result, calling]), /messages\[3\]\.tool_calls\[0\]\.id "c1"/);
    checkToolMessages([user, calling, result, { role: "assistant", content: "done" }]);
  });
});

describe("tools for node-llama-cpp", () => {
  it("makes one model response of a call, its result and the text after it", () => {
    const history = toHistory([
      { role: "user", content: "weather?" },
      { role: "assistant", content: "Let me look.", tool_calls: [CALL] },
      { role: "tool", content: "sunny", tool_call_id: "c1" },
      { role: "assistant", content: "It is sunny." },
      { role: "user", content: "thanks" },
    ]);
    assert.deepEqual(history, [
      { type: "user", text: "weather?" },
      {
        type: "model",
        response: [
          "Let me look.",
          {
            type: "functionCall",
            name: "get_weather",
            params: { city: "Paris" },
            result: "sunny",
            startsNewChunk: true,
          },
          "It is sunny.",
        ],
      },
      { type: "user", text: "thanks" },
      { type: "model", response: [] },
    ]);
    // Results to answer: the reply goes on in the response that made the calls.
    const open = toHistory([
      { role: "user", content: "weather?" },
      { role: "assistant", content: "", tool_calls: [CALL] },
      { role: "tool", content: "sunny", tool_call_id: "c1" },
    ]);
    assert.equal(open.length, 2);
    assert.equal(open.at(-1)?.type, "model");
  });

  it("takes the schema keywords its grammar enforces and refuses the others by place", () => {
    assert.deepEqual(
      toGbnfSchema(
        {
          title: "args",
          properties: {
            when: { anyOf: [{ type: "string", format: "date" }, { type: "null" }] },
            unit: { $ref: "#/definitions/u" },
          },
          definitions: { u: { enum: ["C", "F"] } },
        },
        "tools[0].function.parameters",
      ),
      {
        type: "object",
        properties: {
          when: { oneOf: [{ type: "string", format: "date" }, { type: "null" }] },
          unit: { $ref: "#/$defs/u" },
        },
        $defs: { u: { enum: ["C", "F"] } },
      },
    );
    assert.equal(toGbnfSchema({ type: "object", properties: {} }, "p"), undefined, "no arguments");
    assert.throws(
      () =>
        toGbnfSchema(
          { type: "object", properties: { n: { type: "integer", minimum: 1 } } },
          "tools[2].function.parameters",
        ),
      /^UsageError: tools\[2\]\.function\.parameters: "minimum" at \/properties\/n cannot be enforced/,
    );
    assert.throws(() => toGbnfSchema({ type: "object", properties: { x: {} } }, "p"), /allows any value/);
    assert.throws(
      () => toGbnfSchema({ type: "object", properties: { d: { type: "string", format: "email" } } }, "p"),
      /"format"/,
    );
  });

  it("offers the named tool only, and none for tool_choice none", () => {
    const other = { type: "function" as const, function: { name: "other" } };
    const named = llamaFunctions({
      tools: [other, WEATHER],
      choice: { type: "function", function: { name: "get_weather" } },
    });
    assert.deepEqual(Object.keys(named.functions ?? {}), ["get_weather"]);
    assert.equal(named.mustCall, true);
    assert.equal(llamaFunctions({ tools: [WEATHER], choice: "none" }).functions, undefined);
    assert.equal(llamaFunctions({ tools: [WEATHER], parallel: false }).maxParallelFunctionCalls, 1);
  });
});

describe("the shapes of a call", () => {
  const head = { id: "chatcmpl-1", created: 1, model: "m" };
  it("streams the name first, then the arguments", () => {
    const first = toChunks({ type: "tool-call", index: 0, id: "c1", name: "get_weather", arguments: "" }, head);
    assert.deepEqual(first[0]?.choices[0]?.delta, {
      tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "get_weather", arguments: "" } }],
    });
    const more = toChunks({ type: "tool-call", index: 0, id: "c1", name: "get_weather", arguments: '{"a"' }, head);
    assert.deepEqual(more[0]?.choices[0]?.delta, { tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] });
  });

  it("writes null content beside the calls", () => {
    const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    const timings = toChatCompletion({
      ...head,
      message: { role: "assistant", content: "", tool_calls: [CALL] },
      finishReason: "tool_calls",
      interrupted: false,
      usage,
      timings: {
        prompt_n: 1,
        prompt_ms: 1,
        prompt_per_token_ms: 1,
        prompt_per_second: 1,
        predicted_n: 1,
        predicted_ms: 1,
        predicted_per_token_ms: 1,
        predicted_per_second: 1,
      },
    });
    assert.deepEqual(timings.choices[0].message, { role: "assistant", content: null, tool_calls: [CALL] });
    assert.equal(timings.choices[0].finish_reason, "tool_calls");
  });
});

describe("tools for a remote server", () => {
  it("sends the tools, the calls and the results", () => {
    const body = requestBody(
      "m",
      [
        { role: "user", content: "weather?" },
        { role: "assistant", content: "", tool_calls: [CALL] },
        { role: "tool", content: "sunny", tool_call_id: "c1" },
      ],
      DEFAULT_PARAMS,
      undefined,
      undefined,
      { tools: [WEATHER], choice: "auto", parallel: false },
    );
    assert.deepEqual(body.messages, [
      { role: "user", content: "weather?" },
      { role: "assistant", content: null, tool_calls: [CALL] },
      { role: "tool", content: "sunny", tool_call_id: "c1" },
    ]);
    assert.deepEqual(body.tools, [WEATHER]);
    assert.equal(body.tool_choice, "auto");
    assert.equal(body.parallel_tool_calls, false);
  });

  it("reads streamed pieces and whole calls", () => {
    const piece = readChunk({
      choices: [{ delta: { tool_calls: [{ index: 1, id: "x", function: { name: "f", arguments: "" } }] } }],
    });
    assert.deepEqual(piece.calls, [{ index: 1, id: "x", name: "f", arguments: "" }]);
    const whole = readChunk({
      choices: [{ message: { content: null, tool_calls: [CALL] }, finish_reason: "tool_calls" }],
    });
    assert.deepEqual(whole.calls, [{ index: 0, id: "c1", name: "get_weather", arguments: '{"city":"Paris"}' }]);
    assert.equal(whole.finish, "tool_calls");
  });
});

describe("a Conversation that calls tools, on the real engine", () => {
  const open: Conversation[] = [];
  after(async () => {
    for (const c of open) await c.close();
  });

  it("calls, takes a result, answers again; refuses a result for no call; saves it all", async () => {
    const { conversation: c } = await openConversation({
      flags: { model: fixture("tools-qwen"), template: "qwen", threads: 1, "context-size": 2048, temperature: 0 },
      source: "chat",
      env: {},
      tools: { tools: [WEATHER] },
    });
    open.push(c);
    const events = await drain(c.send("weather in Paris?"));
    const calls = events.filter((e) => e.type === "tool-call");
    assert.equal(calls[0]?.type === "tool-call" && calls[0].name, "get_weather");
    const done = events.at(-1);
    assert.ok(done?.type === "done" && done.reply);
    assert.equal(done.reply.finishReason, "tool_calls");
    assert.equal(done.reply.message.content, TOOL_PREAMBLE);
    const call = done.reply.message.tool_calls?.[0];
    assert.ok(call);
    assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGUMENTS);
    assert.deepEqual(c.pendingToolCalls, [call]);
    assert.equal(c.canContinue, false);

    const early = await drain(c.respond(undefined));
    assert.ok(early.at(-1)?.type === "error");
    assert.throws(() => c.addToolResult("nope", "x"), /no tool call "nope" of the last reply is waiting/);
    c.addToolResult(call.id, "sunny, 21 C");
    assert.deepEqual(c.pendingToolCalls, []);
    assert.throws(() => c.addToolResult(call.id, "again"), /waiting for a result/);
    const next = await drain(c.respond(undefined));
    const end = next.at(-1);
    assert.ok(end?.type === "done" && end.reply, JSON.stringify(end));
    assert.ok(end.reply.usage.prompt_tokens > done.reply.usage.prompt_tokens, "the call and its result were read");

    const id = c.id;
    assert.ok(id);
    const saved = readConversation(id);
    assert.deepEqual(
      saved.messages.map((m) => m.role),
      ["user", "assistant", "tool", "assistant"],
    );
    assert.deepEqual(saved.messages[1]?.tool_calls, [call]);
    assert.equal(saved.messages[2]?.tool_call_id, call.id);
    assert.equal(saved.messages[1]?.finish_reason, "tool_calls");
  });
});

describe("calls from an engine that does not hold them to a grammar", () => {
  it("numbers them, gives them ids, and warns of arguments that are not JSON", async () => {
    const info = { name: "remote", template: "the server's", backend: "remote", contextSize: 4096 };
    const engine: ChatEngine = {
      info,
      async *generate(): AsyncGenerator<EnginePart> {
        await Promise.resolve();
        yield { type: "text", text: "Sure." };
        yield { type: "tool-call", index: 0, name: "get_weather" };
        yield { type: "tool-call", index: 0, arguments: '{"city":' };
        yield { type: "tool-call", index: 0, arguments: '"Paris"}' };
        yield { type: "tool-call", index: 1, id: "srv-2", name: "get_time", arguments: "{not json" };
        const now = performance.now();
        const result = { stopReason: "tool_calls" as const, promptTokens: 9, completionTokens: 6 };
        yield { type: "finish", result: { ...result, startedAt: now, firstTokenAt: now, endedAt: now } };
      },
      dispose: () => Promise.resolve(),
    };
    const c = conversationOver(engine);
    const events = await drain(c.send("weather and time?"));
    const warnings = events.filter((e) => e.type === "notice" && e.code === "warning");
    assert.deepEqual(
      warnings.map((e) => e.type === "notice" && e.text),
      ["the arguments of the call of get_time (srv-2) are not valid JSON"],
    );
    const done = events.at(-1);
    assert.ok(done?.type === "done" && done.reply);
    assert.equal(done.reply.finishReason, "tool_calls");
    assert.equal(done.reply.message.content, "Sure.");
    const [first, second] = done.reply.message.tool_calls ?? [];
    assert.match(first?.id ?? "", /^call_/);
    assert.equal(first?.function.arguments, '{"city":"Paris"}');
    assert.equal(second?.id, "srv-2");
    assert.deepEqual(
      c.pendingToolCalls.map((call) => call.function.name),
      ["get_weather", "get_time"],
    );
  });
});
