/**
 * How the command line is read: options on either side of a subcommand, other tools' command
 * words, setting names in any spelling, JSON schemas, and paths with `~`.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Command } from "commander";
import { checkJsonSchema, isInlineJson, parseSchemaArgument } from "../../src/chat/schema.ts";
import { otherToolHint } from "../../src/cli/commands/other-tools.ts";
import { buildProgram } from "../../src/cli/program.ts";
import { UsageError } from "../../src/errors.ts";
import { closestWord, configKey, normalizeKey, suggestKey } from "../../src/settings/keys.ts";
import { expandHome, fileErrorText, writeErrorText } from "../../src/store/paths.ts";
import { checkPresetParams, presetParamLayer } from "../../src/store/presets.ts";

/** Parses argv with every action replaced by one that records which command ran with which options. */
async function parse(...args: string[]): Promise<{ command: string; opts: Record<string, unknown>; args: unknown[] }> {
  const program = buildProgram();
  let seen: { command: string; opts: Record<string, unknown>; args: unknown[] } | undefined;
  const record = (cmd: Command): void => {
    cmd.action((...actionArgs: unknown[]) => {
      seen = { command: cmd.name(), opts: cmd.opts(), args: actionArgs.slice(0, -2) };
    });
  };
  record(program);
  const chat = program.commands.find((c) => c.name() === "chat");
  assert.ok(chat);
  record(chat);
  await program.parseAsync(["node", "parley", ...args]);
  assert.ok(seen, "no action ran");
  return seen;
}

describe("options on either side of a subcommand", () => {
  it("hands options given before `chat` to the chat", async () => {
    const before = await parse("-m", "model.gguf", "chat");
    assert.equal(before.command, "chat");
    assert.equal(before.opts.model, "model.gguf");
    const mixed = await parse("-m", "S", "-n", "20", "chat", "-c");
    assert.deepEqual([mixed.opts.model, mixed.opts.maxTokens, mixed.opts.continue], ["S", "20", true]);
    const after = await parse("chat", "-m", "S", "-n", "20", "-c");
    assert.deepEqual([after.opts.model, after.opts.maxTokens, after.opts.continue], ["S", "20", true]);
  });

  it("lets the option after the subcommand win, and joins repeatable ones", async () => {
    assert.equal((await parse("--temperature", "0.1", "chat", "--temperature", "0.7")).opts.temperature, "0.7");
    assert.deepEqual((await parse("--stop", "a", "chat", "--stop", "b")).opts.stop, ["a", "b"]);
  });

  it("refuses an option the subcommand has not got, and conflicts across the name", async () => {
    await assert.rejects(parse("-m", "x.gguf", "history", "list"), /--model does not apply to "parley history list"/);
    await assert.rejects(parse("-c", "chat", "--resume", "abc"), /cannot be used with option '--resume <id>'/);
  });

  it("refuses one-shot flags for the chat screen, on either side", async () => {
    await assert.rejects(parse("chat", "--json"), /--json is for one-shot runs .* parley chat does not use it/);
    await assert.rejects(parse("--stats", "chat"), /--stats is for one-shot runs/);
    await assert.rejects(parse("-i", "--raw", "hi"), /--raw is for one-shot runs .* the chat screen \(-i\)/);
    const help = buildProgram()
      .commands.find((c) => c.name() === "chat")
      ?.helpInformation();
    assert.ok(help);
    for (const flag of ["--json", "--jsonl", "--stats", "--raw"]) assert.ok(!help.includes(flag), flag);
    assert.match(help, /--show-reasoning/);
  });

  it("still takes a prompt of several words for the default command", async () => {
    const run = await parse("-m", "S", "why", "is", "the", "sky", "blue");
    assert.equal(run.command, "parley");
    assert.deepEqual(run.args[0], ["why", "is", "the", "sky", "blue"]);
  });
});

describe("other tools' command words", () => {
  const program = buildProgram();
  it("answers a known word typed as the first of separate words", () => {
    assert.match(
      otherToolHint(["list"], ["list"], program) ?? "",
      /^"list" is not a parley command: .*parley -- list$/,
    );
    assert.match(otherToolHint(["pull", "x"], ["pull", "x"], program) ?? "", /parley models pull/);
    assert.match(otherToolHint(["run", "x"], ["-m", "a.gguf", "run", "x"], program) ?? "", /parley -m <model>/);
  });

  it("sends the words on when quoted as more than one word, after --, or not a known word", () => {
    assert.equal(otherToolHint(["run x"], ["run x"], program), undefined);
    assert.equal(otherToolHint(["list"], ["--", "list"], program), undefined);
    assert.equal(otherToolHint(["list", "planets"], ["-m", "m", "--", "list", "planets"], program), undefined);
    assert.equal(otherToolHint(["hello"], ["hello"], program), undefined);
    // Only some of the words after `--`: the first word came before it.
    assert.notEqual(otherToolHint(["list", "x"], ["list", "--", "x"], program), undefined);
  });

  it("leaves a word that is a parley command to Commander", () => {
    // `models` is one of parley's own commands.
    const withModels = buildProgram();
    assert.equal(otherToolHint(["models"], ["models"], withModels), undefined);
  });
});

describe("setting names", () => {
  it("accepts every spelling of a key", () => {
    for (const name of ["top_p", "top-p", "topP", "TOP_P", "--top-p"]) assert.equal(normalizeKey(name), "top-p");
    assert.equal(normalizeKey("maxTokens"), "max-tokens");
    assert.equal(normalizeKey("num_ctx"), "context-size");
    assert.equal(configKey("repeat_penalty").key, "repeat-penalty");
  });

  it("suggests the closest key, and nothing for a word far from every key", () => {
    assert.equal(suggestKey("tmperature"), "temperature");
    assert.equal(suggestKey("top_k"), "top-k");
    assert.equal(suggestKey("cotnext-size"), "context-size");
    assert.equal(suggestKey("banana"), undefined);
    assert.equal(closestWord("lst", ["list", "get", "set"]), "list");
    assert.throws(() => configKey("tmperature"), /unknown config key "tmperature"; did you mean "temperature"\?/);
  });

  it("reads preset parameters in any spelling, stop texts included", () => {
    const params = checkPresetParams({ top_p: 0.5, topK: 3, stop: ["User:", "\n\n"] }, "preset");
    assert.deepEqual(params, { "top-p": 0.5, "top-k": 3, stop: ["User:", "\n\n"] });
    const layer = presetParamLayer({ name: "p", system: "s", params, created: "", updated: "" });
    assert.deepEqual(layer, { topP: 0.5, topK: 3, stop: ["User:", "\n\n"] });
    assert.throws(() => checkPresetParams({ tempreature: 1 }, "preset"), /did you mean "temperature"\?/);
    assert.throws(() => checkPresetParams({ stop: [""] }, "preset"), /expected a list of non-empty texts/);
  });
});

describe("--schema values", () => {
  it("tells inline JSON from a path", () => {
    for (const s of ['{"type":"object"}', " [1,2]", '"x"', "42", "true", "null"]) assert.ok(isInlineJson(s), s);
    for (const s of ["schema.json", "./[a].json", "/tmp/s.json", "~/s.json"]) assert.ok(!isInlineJson(s), s);
  });

  it("accepts schemas, nested ones included", () => {
    const schema = {
      type: "object",
      properties: { name: { type: "string" }, tags: { type: "array", items: { type: ["string", "null"] } } },
      required: ["name"],
    };
    assert.equal(checkJsonSchema(schema), schema);
    assert.deepEqual(checkJsonSchema({}), {});
    assert.deepEqual(checkJsonSchema({ enum: ["a", "b"] }), { enum: ["a", "b"] });
  });

  it("refuses what is not a schema, naming the problem", () => {
    const cases: [unknown, RegExp][] = [
      [[1, 2], /must be a JSON schema object .*, not an array/],
      ["object", /not a text/],
      [{ type: "objec" }, /unknown type "objec" at the top; did you mean "object"\?/],
      [{ type: "Object" }, /unknown type "Object" at the top; did you mean "object"\?/],
      [{ type: "strng" }, /unknown type "strng" at the top; did you mean "string"\?/],
      [
        { type: "object", properties: { a: { type: "float" } } },
        /unknown type "float" at \/properties\/a; did you mean "number"\?/,
      ],
      [{ type: "array", items: { type: 7 } }, /"type" at \/items must be a type name, not a number/],
      [{ name: "Bob", age: 3 }, /does not look like a JSON schema: none of its keys \(name, age\)/],
      [{ name: "person", schema: { type: "object" } }, /wraps a schema; give the schema itself/],
      [{ type: "json_schema", json_schema: { schema: {} } }, /is a response_format/],
      [{ type: "object", properties: [] }, /"properties" at the top must be an object of schemas/],
      [{ type: "object", required: "name" }, /"required" at the top must be a list of property names/],
      [{ anyOf: [] }, /"anyOf" at the top must be a non-empty list/],
    ];
    for (const [value, message] of cases) assert.throws(() => checkJsonSchema(value), message, JSON.stringify(value));
    assert.throws(() => checkJsonSchema({ type: "objec" }), UsageError);
  });

  it("reads a path through the given reader, inline JSON without it", () => {
    const reads: string[] = [];
    const reader = (path: string): string => {
      reads.push(path);
      return '{"type":"string"}';
    };
    assert.deepEqual(parseSchemaArgument("s.json", reader), { type: "string" });
    assert.deepEqual(parseSchemaArgument('{"type":"integer"}', reader), { type: "integer" });
    assert.deepEqual(reads, ["s.json"]);
    assert.throws(() => parseSchemaArgument("[1,2]", reader), /--schema must be a JSON schema object/);
    assert.throws(() => parseSchemaArgument("{nope", reader), /--schema is not valid JSON/);
  });
});

describe("paths and file errors", () => {
  it("expands ~ and ~/ only", () => {
    assert.equal(expandHome("~", "/home/ann"), "/home/ann");
    assert.equal(expandHome("~/models/a.gguf", "/home/ann/"), "/home/ann/models/a.gguf");
    assert.equal(expandHome("~bob/a", "/home/ann"), "~bob/a");
    assert.equal(expandHome("/x/~/a", "/home/ann"), "/x/~/a");
    assert.equal(expandHome("a~", "/home/ann"), "a~");
  });

  it("says why in words, never with an error code", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-errors-"));
    const missing = Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
    assert.equal(fileErrorText(missing), "no such file");
    assert.equal(fileErrorText(missing, "folder"), "no such folder");
    assert.equal(fileErrorText(Object.assign(new Error("x"), { code: "EACCES" })), "permission denied");
    assert.equal(fileErrorText(Object.assign(new Error("x"), { code: "EWHATEVER" })), "the file cannot be used");
    assert.equal(
      writeErrorText(join(dir, "nope", "out.json"), missing),
      `cannot write ${join(dir, "nope", "out.json")}: no such folder: ${join(dir, "nope")}`,
    );
  });
});
