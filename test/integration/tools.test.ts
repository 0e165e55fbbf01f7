/**
 * Tool calls through `--messages`: scripted models whose replies are tool calls in the Qwen and
 * Llama 3.1 formats, read back by the official `openai` package from `--jsonl`; a whole loop
 * (call, `tool` result, final answer); the saved conversation, `history show` and export; and
 * the tool definitions and messages parley refuses.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type OpenAI from "openai";
import { ChatCompletionStream } from "openai/lib/ChatCompletionStream";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY, TOOL_ARGUMENTS, TOOL_PREAMBLE } from "../helpers/fixtures.ts";
import { assertChunk, assertCompletion } from "../helpers/openai-shapes.ts";

const dir = mkdtempSync(join(tmpdir(), "parley-tools-"));
let files = 0;

const WEATHER = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const ASK = { role: "user", content: "What is the weather in Paris?" };

function requestFile(body: Record<string, unknown>): string {
  const file = join(dir, `request-${files++}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

/** The chunks of `--jsonl` output, read by the openai package as a stream it assembles. */
async function readJsonl(stdout: string): Promise<OpenAI.ChatCompletion> {
  const lines = stdout.trim().split("\n");
  for (const line of lines) assertChunk(JSON.parse(line));
  const body = new Response(`${lines.join("\n")}\n`).body;
  assert.ok(body);
  return ChatCompletionStream.fromReadableStream(body).finalChatCompletion();
}

describe("tool calls with --messages", () => {
  it("streams a Qwen-format call in --jsonl, text first, as the openai package reads it", async () => {
    const file = requestFile({ messages: [ASK], tools: [WEATHER] });
    const run = await runParley(["-m", fixture("tools-qwen"), "--template", "qwen", "--messages", file, "--jsonl"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split("\n");
    const pieces = lines.flatMap((l) => {
      const chunk = JSON.parse(l) as OpenAI.ChatCompletionChunk;
      return chunk.choices.flatMap((c) => c.delta.tool_calls ?? []);
    });
    assert.equal(pieces[0]?.function?.name, "get_weather", "the first piece names the call");
    assert.match(pieces[0]?.id ?? "", /^call_/);
    assert.ok(pieces.slice(1).every((p) => p.function?.name === undefined && p.id === undefined));
    const completion = await readJsonl(run.stdout);
    const choice = completion.choices[0];
    assert.equal(choice?.finish_reason, "tool_calls");
    assert.equal(choice?.message.content, TOOL_PREAMBLE);
    const call = choice?.message.tool_calls?.[0];
    assert.equal(call?.type, "function");
    assert.ok(call?.type === "function");
    assert.equal(call.function.name, "get_weather");
    assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGUMENTS);
  });

  it("writes a Llama 3.1-format call in --json, with no content", async () => {
    const file = requestFile({ messages: [ASK], tools: [WEATHER] });
    const args = ["-m", fixture("tools-llama31"), "--template", "llama3.1", "--messages", file];
    const run = await runParley([...args, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const completion = JSON.parse(run.stdout) as OpenAI.ChatCompletion;
    assertCompletion(completion);
    const message = completion.choices[0]?.message;
    assert.equal(completion.choices[0]?.finish_reason, "tool_calls");
    assert.equal(message?.content, null);
    const call = message?.tool_calls?.[0];
    assert.ok(call?.type === "function");
    assert.equal(call.function.name, "get_weather");
    assert.deepEqual(JSON.parse(call.function.arguments), TOOL_ARGUMENTS);
    assert.ok(completion.usage && completion.usage.completion_tokens > 0, "the call's tokens are counted");
    const streamed = await readJsonl((await runParley([...args, "--jsonl"])).stdout);
    const again = streamed.choices[0]?.message.tool_calls?.[0];
    assert.ok(again?.type === "function");
    assert.deepEqual(JSON.parse(again.function.arguments), TOOL_ARGUMENTS);
  });

  it("with tool_choice required or a named tool, the reply is the call alone", async () => {
    const time = { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } };
    for (const choice of ["required", { type: "function", function: { name: "get_weather" } }]) {
      const file = requestFile({ messages: [ASK], tools: [time, WEATHER], tool_choice: choice });
      const run = await runParley(["-m", fixture("tools-qwen"), "--template", "qwen", "--messages", file, "--json"]);
      assert.equal(run.code, 0, run.stderr);
      const message = (JSON.parse(run.stdout) as OpenAI.ChatCompletion).choices[0]?.message;
      assert.equal(message?.content, null, "no text before the call");
      const call = message?.tool_calls?.[0];
      assert.ok(call?.type === "function");
      assert.equal(call.function.name, "get_weather");
    }
  });

  it("with tool_choice none, no call is made", async () => {
    const file = requestFile({ messages: [ASK], tools: [WEATHER], tool_choice: "none" });
    const run = await runParley(["-m", fixture("tools-answer"), "--template", "qwen", "--messages", file, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const choice = (JSON.parse(run.stdout) as OpenAI.ChatCompletion).choices[0];
    assert.equal(choice?.finish_reason, "stop");
    assert.equal(choice?.message.content, SCRIPT_REPLY);
    assert.equal(choice?.message.tool_calls, undefined);
  });

  it("goes round a whole loop: call, tool result, final answer; saved, shown and exported", async () => {
    const home = tempHome();
    const first = await runParley(
      [
        "-m",
        fixture("tools-qwen"),
        "--template",
        "qwen",
        "--messages",
        requestFile({ messages: [ASK], tools: [WEATHER] }),
      ],
      { home },
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /\[call get_weather\] \{"city":"Paris"\}/, "plain output shows the call");
    const called = await runParley(
      [
        "-m",
        fixture("tools-qwen"),
        "--template",
        "qwen",
        "--messages",
        requestFile({ messages: [ASK], tools: [WEATHER] }),
        "--json",
        "--no-history",
      ],
      { home },
    );
    const reply = (JSON.parse(called.stdout) as OpenAI.ChatCompletion).choices[0]?.message;
    const call = reply?.tool_calls?.[0];
    assert.ok(reply && call);
    // A scripted model reads nothing, so the one that calls cannot answer: another one does.
    const messages = [ASK, reply, { role: "tool", tool_call_id: call.id, content: "sunny, 21 C" }];
    const answer = await runParley(
      [
        "-m",
        fixture("tools-answer"),
        "--template",
        "qwen",
        "--messages",
        requestFile({ messages, tools: [WEATHER] }),
        "--json",
      ],
      { home },
    );
    assert.equal(answer.code, 0, answer.stderr);
    const final = JSON.parse(answer.stdout) as OpenAI.ChatCompletion;
    assert.equal(final.choices[0]?.finish_reason, "stop");
    assert.equal(final.choices[0]?.message.content, SCRIPT_REPLY);
    assert.ok(final.usage && final.usage.prompt_tokens > 100, "the call and its result are in the prompt");

    const folder = join(home, "conversations");
    const saved = readdirSync(folder)
      .filter((n) => n.endsWith(".jsonl"))
      .map((n) => readFileSync(join(folder, n), "utf8"))
      .find((text) => text.includes("sunny, 21 C"));
    assert.ok(saved, "the loop's conversation is saved");
    const records = saved
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const id = records[0]?.id as string;
    const kept = records.filter((r) => r.type === "message");
    assert.deepEqual(
      kept.map((r) => r.role),
      ["user", "assistant", "tool", "assistant"],
    );
    assert.deepEqual(kept[1]?.tool_calls, reply.tool_calls);
    assert.equal(kept[2]?.tool_call_id, call.id);

    const shown = await runParley(["history", "show", id], { home });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`calls get_weather \\{"city":"Paris"\\} · ${call.id}`));
    assert.match(shown.stdout, new RegExp(`tool · .* · result of ${call.id}`));

    const exported = join(dir, "loop.json");
    const exp = await runParley(["history", "export", id, "--format", "json", "-o", exported], { home });
    assert.equal(exp.code, 0, exp.stderr);
    const back = JSON.parse(readFileSync(exported, "utf8")) as Record<string, unknown>[];
    assert.deepEqual(back[1], { role: "assistant", content: TOOL_PREAMBLE, tool_calls: reply.tool_calls });
    assert.deepEqual(back[2], { role: "tool", content: "sunny, 21 C", tool_call_id: call.id });
    // The export reads back as --messages; without its last reply, the tool result is answered again.
    const asIs = await runParley(
      ["-m", fixture("tools-answer"), "--template", "qwen", "--messages", exported, "--json"],
      {
        home,
      },
    );
    assert.equal(asIs.code, 0, asIs.stderr);
    const cut = requestFile({ messages: back.slice(0, -1), tools: [WEATHER] });
    const again = await runParley(
      ["-m", fixture("tools-answer"), "--template", "qwen", "--messages", cut, "--json", "--no-history"],
      { home },
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as OpenAI.ChatCompletion).choices[0]?.message.content, SCRIPT_REPLY);
  });

  it("refuses bad tool definitions and tool messages with one line naming the field", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { messages: [ASK], tools: [WEATHER, WEATHER] },
        /tools\[1\]\.function\.name "get_weather" is used by another tool/,
      ],
      [{ messages: [ASK], tools: [{ type: "function", function: { name: "a b" } }] }, /tools\[0\]\.function\.name/],
      [{ messages: [ASK], tools: [{ type: "retrieval" }] }, /tools\[0\]\.type "retrieval" is not supported/],
      [
        { messages: [ASK], tools: [{ type: "function", function: { name: "f", parameters: { type: "objet" } } }] },
        /tools\[0\]\.function\.parameters: unknown type "objet"/,
      ],
      [{ messages: [ASK], tools: [] }, /"tools" is empty/],
      [
        { messages: [ASK], tools: [WEATHER], tool_choice: { type: "function", function: { name: "nope" } } },
        /"tool_choice" names the function "nope", which is not in "tools"/,
      ],
      [{ messages: [ASK], tool_choice: "required" }, /"tool_choice" asks for a tool call, but there are no "tools"/],
      [
        { messages: [ASK], tools: [WEATHER], parallel_tool_calls: "yes" },
        /"parallel_tool_calls" must be true or false/,
      ],
      [
        { messages: [ASK, { role: "tool", tool_call_id: "call_x", content: "sunny" }] },
        /messages\[1\]\.tool_call_id "call_x" answers no tool call/,
      ],
      [{ messages: [ASK, { role: "tool", content: "sunny" }] }, /messages\[1\]\.tool_call_id must name the tool call/],
      [
        {
          messages: [
            ASK,
            {
              role: "assistant",
              content: null,
              tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{" } }],
            },
          ],
        },
        /messages\[1\]\.tool_calls\[0\]\.function\.arguments is not valid JSON/,
      ],
      [
        { messages: [{ role: "user", content: "x", tool_calls: [] }] },
        /messages\[0\]\.tool_calls is allowed in assistant messages only/,
      ],
    ];
    for (const [body, message] of cases) {
      const run = await runParley(["-m", fixture("tools-qwen"), "--messages", requestFile(body)]);
      assert.equal(run.code, 2, `${JSON.stringify(body)}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      assert.doesNotMatch(run.stderr, /Error:|at .*\.js/);
    }
  });

  it("refuses what a local model cannot honour, naming the field", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        {
          messages: [ASK],
          tools: [
            {
              type: "function",
              function: {
                name: "f",
                parameters: { type: "object", properties: { code: { type: "string", pattern: "^[A-Z]+$" } } },
              },
            },
          ],
        },
        /tools\[0\]\.function\.parameters: "pattern" at \/properties\/code cannot be enforced/,
      ],
      [
        { messages: [ASK], tools: [WEATHER], response_format: { type: "json_object" } },
        /"response_format" and "tools" cannot be used together/,
      ],
    ];
    for (const [body, message] of cases) {
      const run = await runParley(["-m", fixture("tools-qwen"), "--template", "qwen", "--messages", requestFile(body)]);
      assert.equal(run.code, 2, `${JSON.stringify(body)}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    }
  });
});
