/**
 * The remembered `--template auto` choice (`templates.json`): rebuilt templates write exactly the
 * prompts node-llama-cpp's own resolution writes, on the real engine; the CLI keeps, uses and
 * survives damaged memory files.
 */
import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { getLlama, resolveChatWrapper, type ChatHistoryItem, type Llama } from "node-llama-cpp";
import { resolveAutoTemplate } from "../../src/engine/llama/template-cache.ts";
import { MemoryFile } from "../../src/store/memory-file.ts";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY, type FixtureName } from "../helpers/fixtures.ts";

const HISTORY: ChatHistoryItem[] = [
  { type: "system", text: "Be brief." },
  { type: "user", text: "Hi" },
  { type: "model", response: ["Hello!"] },
  { type: "user", text: "And now?" },
  { type: "model", response: [] },
];

describe("remembered chat templates, on the real engine", () => {
  let llama: Llama;
  before(async () => {
    llama = await getLlama({ build: "never", gpu: false });
  });
  after(async () => {
    await llama.dispose();
  });

  const cases: [FixtureName, string, boolean][] = [
    ["script", "ChatML", true],
    ["llama3", "Llama 3", true],
    ["gemma", "Gemma", true],
    ["no-template", "Llama 2 Chat", true],
    // A Jinja template no built-in one matches is rendered by node-llama-cpp each time: not kept.
    ["no-system", "JinjaTemplate", false],
  ];
  for (const [name, wrapperName, kept] of cases) {
    it(`${name}: the rebuilt template writes the same prompt as node-llama-cpp's own choice (${wrapperName})`, async () => {
      const model = await llama.loadModel({ modelPath: fixture(name) });
      try {
        const file = join(mkdtempSync(join(tmpdir(), "parley-templates-")), "templates.json");
        const own = resolveChatWrapper(model, { type: "auto", warningLogs: false });
        // Counts what the memory is asked to keep: a rebuilt template asks nothing.
        const stored = new MemoryFile(file, "template memory");
        let writes = 0;
        const memory = {
          get: (key: string) => stored.get(key),
          set: (key: string, value: unknown) => (writes++, stored.set(key, value)),
        };
        const first = resolveAutoTemplate(model, fixture(name), memory);
        assert.equal(existsSync(file), kept);
        const second = resolveAutoTemplate(model, fixture(name), memory);
        for (const wrapper of [first, second]) {
          assert.equal(wrapper.wrapperName, own.wrapperName);
          assert.equal(wrapper.wrapperName.replace(/\s/g, ""), wrapperName.replace(/\s/g, ""));
          assert.equal(
            wrapper.generateContextState({ chatHistory: HISTORY }).contextText.toString(),
            own.generateContextState({ chatHistory: HISTORY }).contextText.toString(),
          );
        }
        assert.equal(writes, kept ? 1 : 0, "the second template is rebuilt from the file, not worked out again");
      } finally {
        await model.dispose();
      }
    });
  }
});

describe("remembered chat templates, from the command line", () => {
  const oneShot = (home: string, extra: string[] = []) =>
    runParley(["-m", fixture("script"), "--threads", "1", "--no-history", "--stats", ...extra, "Hi"], { home });
  const memory = (home: string) => JSON.parse(readFileSync(join(home, "templates.json"), "utf8")) as object;

  it("a run keeps the choice, the next uses it and answers the same", async () => {
    const home = tempHome();
    const first = await oneShot(home);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), SCRIPT_REPLY);
    assert.deepEqual(Object.values(memory(home)), [{ type: "chatML", settings: {} }]);
    if (process.platform !== "win32") assert.equal(statSync(join(home, "templates.json")).mode & 0o777, 0o600);
    const second = await oneShot(home);
    assert.equal(second.stdout, first.stdout);
    assert.match(second.stderr, /template: ChatML/);

    // What is remembered is what is used (here a choice changed by hand).
    const [key] = Object.keys(memory(home));
    writeFileSync(
      join(home, "templates.json"),
      JSON.stringify({ [key!]: { type: "llama2Chat", settings: { addSpaceBeforeEos: false } } }),
    );
    assert.match((await oneShot(home)).stderr, /template: Llama2Chat/);
  });

  it("another file, or the same file changed, is worked out again", async () => {
    const home = tempHome();
    await oneShot(home);
    const copy = join(home, "copy.gguf");
    copyFileSync(fixture("script"), copy);
    const r = await runParley(["-m", copy, "--threads", "1", "--no-history", "Hi"], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(Object.keys(memory(home)).length, 2);
    utimesSync(copy, new Date(), new Date(Date.now() + 5000));
    await runParley(["-m", copy, "--threads", "1", "--no-history", "Hi"], { home });
    assert.equal(Object.keys(memory(home)).length, 3);
  });

  it("a damaged, wrongly shaped or oversized file is ignored and replaced", async () => {
    for (const content of ["{not json", "[1,2,3]", `{"x": {"type": 5}}`, `{"pad": "${"x".repeat(300_000)}"}`]) {
      const home = tempHome();
      writeFileSync(join(home, "templates.json"), content);
      const r = await oneShot(home);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), SCRIPT_REPLY);
      assert.doesNotMatch(r.stderr, /templates\.json|error/i);
      assert.deepEqual(Object.values(memory(home)).at(-1), { type: "chatML", settings: {} });
    }
  });

  it("a memory that cannot be read or written costs nothing but time", async () => {
    const home = tempHome();
    mkdirSync(join(home, "templates.json"));
    for (let i = 0; i < 2; i++) {
      const r = await oneShot(home);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), SCRIPT_REPLY);
      assert.match(r.stderr, /template: ChatML/);
      assert.doesNotMatch(r.stderr, /templates\.json|error/i);
    }
  });

  it("an unknown remembered template is worked out again", async () => {
    const home = tempHome();
    await oneShot(home);
    const [key] = Object.keys(memory(home));
    writeFileSync(join(home, "templates.json"), JSON.stringify({ [key!]: { type: "nonsense", settings: {} } }));
    const r = await oneShot(home);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /template: ChatML/);
    assert.deepEqual(Object.values(memory(home)), [{ type: "chatML", settings: {} }]);
  });

  it("a template named on the command line is not remembered", async () => {
    const home = tempHome();
    const r = await oneShot(home, ["--template", "chatml"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(join(home, "templates.json")), false);
  });
});
