/**
 * parley as the client of a remote model: a real `parley serve` on 127.0.0.1 (the tiny GGUF
 * fixtures) is the server, and the built CLI runs one-shot, --json, --jsonl, --schema, -c and
 * Ctrl+C against it, with --base-url and with a named endpoint.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { collect, runParley, spawnParley, tempHome, waitFor } from "../helpers/cli.ts";
import { homeWithModels } from "../helpers/models-folder.ts";
import { fixture, SCRIPT_REPLY, THINKING_REASONING, THINKING_REPLY } from "../helpers/fixtures.ts";
import { llamaServerBin, startLlamaServer, type LlamaServer } from "../helpers/llama-server.ts";
import { startServe } from "../helpers/serve.ts";
import { freePort } from "../helpers/ports.ts";

interface Remote {
  /** The base URL that serves this model. */
  baseFor(model: "script" | "thinking" | "loop"): string;
  stop(): Promise<void>;
  /** The server can build a grammar for the fixtures' byte vocabulary (llama-server cannot). */
  grammar: boolean;
}

/** The context the server runs its model with: its /models says, or llama-server's /props. */
async function servedContext(base: string): Promise<number> {
  const models = (await (await fetch(`${base}/models`)).json()) as { data: { context_size?: number }[] };
  const size = models.data[0]?.context_size;
  if (size !== undefined) return size;
  const props = (await (await fetch(`${base.replace(/\/v1$/, "")}/props`)).json()) as {
    default_generation_settings: { n_ctx: number };
  };
  return props.default_generation_settings.n_ctx;
}

function remoteSuite(title: string, start: () => Promise<Remote>): void {
  describe(title, () => {
    let remote: Remote;
    const home = tempHome();
    const env = { PARLEY_API_KEY: undefined, PARLEY_BASE_URL: undefined };
    const parley = (args: string[], input?: string) =>
      runParley(args, { home, env, ...(input !== undefined ? { input } : {}) });

    before(async () => {
      remote = await start();
    });
    after(() => remote.stop());

    it("answers a one-shot prompt with --base-url, and records the server and model", async () => {
      const base = remote.baseFor("script");
      const r = await parley(["--base-url", base, "-m", "script", "--stats", "Hi"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), SCRIPT_REPLY);
      assert.match(
        r.stderr,
        /model: script, template: the server's, backend: remote \(127\.0\.0\.1:\d+\), context: \d+ tokens/,
      );
      assert.match(r.stderr, /prompt: \d+ tokens, completion: [45] tokens/);
      const files = readdirSync(join(home, "conversations")).filter((f) => f.endsWith(".jsonl"));
      const header = JSON.parse(
        readFileSync(join(home, "conversations", files[0] ?? ""), "utf8").split("\n")[0] ?? "{}",
      ) as {
        model: { name: string; baseUrl?: string };
      };
      assert.equal(header.model.name, "script");
      assert.equal(header.model.baseUrl, base);
      // -c goes back to the same server and model without being told.
      const again = await parley(["-c", "--json", "Again"]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal((JSON.parse(again.stdout) as { model: string }).model, "script");
      const snapshots = join(home, "snapshots");
      assert.equal(existsSync(snapshots) ? readdirSync(snapshots).length : 0, 0);
    });

    it("writes --json and --jsonl as for a local model", async () => {
      const base = remote.baseFor("script");
      const json = await parley(["--base-url", base, "-m", "script", "--json", "Hi"]);
      assert.equal(json.code, 0, json.stderr);
      const completion = JSON.parse(json.stdout) as {
        choices: { message: { content: string } }[];
        usage: { completion_tokens: number };
      };
      assert.equal(completion.choices[0]?.message.content, SCRIPT_REPLY);
      // llama-server counts the end-of-text token too.
      assert.ok([4, 5].includes(completion.usage.completion_tokens));
      const jsonl = await parley(["--base-url", base, "-m", "script", "--jsonl", "Hi"]);
      assert.equal(jsonl.code, 0, jsonl.stderr);
      const chunks = jsonl.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { choices: { delta: { content?: string } }[] });
      assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), SCRIPT_REPLY);
    });

    it("passes --schema on as response_format", async () => {
      const schema = JSON.stringify({ type: "object", properties: { a: { type: "string" } }, required: ["a"] });
      const base = remote.baseFor("loop");
      const r = await parley(["--base-url", base, "-m", "random", "--schema", schema, "-n", "40", "--seed", "1", "Hi"]);
      // The random fixture is not served: the error lists what is.
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /has no model "random"; it has: /);
      const ok = await parley(["--base-url", base, "-m", "loop", "--schema", schema, "-n", "30", "--json", "Hi"]);
      if (!remote.grammar) {
        // The server's own refusal, in one line.
        assert.equal(ok.code, 6);
        assert.match(ok.stderr, /^parley: http:\/\/127\.0\.0\.1:\d+\/v1 refused the request \(.+\)\n$/);
        return;
      }
      assert.equal(ok.code, 0, ok.stderr);
      const content =
        (JSON.parse(ok.stdout) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? "";
      assert.match(content, /^\{/);
    });

    it("passes reasoning on as reasoning", async () => {
      const base = remote.baseFor("thinking");
      const r = await parley(["--base-url", base, "-m", "thinking", "--json", "Hi"]);
      assert.equal(r.code, 0, r.stderr);
      const message = (
        JSON.parse(r.stdout) as { choices: { message: { content: string; reasoning_content?: string } }[] }
      ).choices[0]?.message;
      assert.equal(message?.content, THINKING_REPLY);
      assert.equal(message?.reasoning_content?.trim(), THINKING_REASONING);
    });

    it("uses a named endpoint with -m NAME:model, and -c goes back to it", async () => {
      const base = remote.baseFor("script");
      const own = tempHome();
      const run = (args: string[]) => runParley(args, { home: own, env: { ...env, BOX_KEY: "BOX_KEY_VALUE" } });
      const add = await run(["endpoints", "add", "box", base, "--api-key-env", "BOX_KEY"]);
      assert.equal(add.code, 0, add.stderr);
      const list = await run(["endpoints", "list"]);
      assert.match(list.stdout, /box {2}http:\/\/127\.0\.0\.1:\d+\/v1 {2}key: BOX_KEY \(set\)/);
      const doctor = await run(["doctor"]);
      assert.match(doctor.stdout, /ok +endpoint box: http:\/\/127\.0\.0\.1:\d+\/v1, key in BOX_KEY: set/);
      // No local model is needed by someone whose models all run on a server.
      assert.match(doctor.stdout, /ok +no models in .*; remote models through endpoint box/);
      assert.doesNotMatch(doctor.stdout + list.stdout, /BOX_KEY_VALUE/);
      // The key's variable in the config: said to be set, never shown.
      assert.equal((await run(["config", "set", "api-key-env", "BOX_KEY"])).code, 0);
      const config = await run(["config", "list"]);
      assert.match(config.stdout, /^api-key-env = BOX_KEY {2}\(set\)$/m);
      const effective = JSON.parse((await run(["config", "list", "--effective", "--json"])).stdout) as {
        key: string;
        keySet?: boolean;
      }[];
      assert.equal(effective.find((r) => r.key === "api-key-env")?.keySet, true);
      const unset = await runParley(["config", "list"], { home: own, env: { ...env, BOX_KEY: undefined } });
      assert.match(unset.stdout, /^api-key-env = BOX_KEY {2}\(not set\)$/m);
      const doctorKey = await run(["doctor"]);
      assert.match(doctorKey.stdout, /ok +the key for --base-url is read from BOX_KEY: set/);
      assert.doesNotMatch(config.stdout + JSON.stringify(effective) + doctorKey.stdout, /BOX_KEY_VALUE/);
      assert.equal((await run(["config", "unset", "api-key-env"])).code, 0);
      // The model setting and PARLEY_MODEL take NAME:model-id as -m does.
      const set = await run(["config", "set", "model", "box:script"]);
      assert.equal(set.code, 0, set.stderr);
      const byConfig = await run(["--no-history", "Hi"]);
      assert.equal(byConfig.code, 0, byConfig.stderr);
      assert.equal(byConfig.stdout.trim(), SCRIPT_REPLY);
      assert.equal((await run(["config", "unset", "model"])).code, 0);
      const byEnv = await runParley(["--no-history", "Hi"], { home: own, env: { ...env, PARLEY_MODEL: "box:script" } });
      assert.equal(byEnv.code, 0, byEnv.stderr);
      assert.equal(byEnv.stdout.trim(), SCRIPT_REPLY);
      // models list: the local models (none here) and the endpoint's, marked; a dead endpoint is one line.
      assert.equal((await run(["endpoints", "add", "dead", `http://127.0.0.1:${await freePort()}/v1`])).code, 0);
      const models = await run(["models", "list"]);
      assert.equal(models.code, 0, models.stderr);
      assert.match(models.stdout, /^REMOTE MODEL +ENDPOINT +CONTEXT$/m);
      // The context the server runs the model with (llama-server says it only in /props).
      const served = await servedContext(base);
      assert.match(models.stdout, new RegExp(`^box:script +box \\(http://127\\.0\\.0\\.1:\\d+/v1\\) +${served}$`, "m"));
      assert.match(
        models.stderr,
        /^endpoint dead \(http:\/\/127\.0\.0\.1:\d+\/v1\): nothing answers at .* its models are not listed$/m,
      );
      const listed = JSON.parse((await run(["models", "list", "--json"])).stdout) as Record<string, unknown>[];
      const box = listed.find((m) => m.name === "box:script");
      assert.equal(box?.location, "remote");
      assert.equal(box?.endpoint, "box");
      assert.equal(box?.id, "script");
      assert.equal((await run(["endpoints", "rm", "dead"])).code, 0);
      const test = await run(["endpoints", "test", "box"]);
      assert.equal(test.code, 0, test.stderr);
      assert.match(test.stdout, /endpoint box .*\d+ models?: .*\(\d+ ms\)/);
      assert.match(test.stdout, /completion with \w+: \d+ tokens in \d+ ms.*, context \d+ tokens, usage sent: /);
      const first = await run(["-m", "box:script", "Hi"]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout.trim(), SCRIPT_REPLY);
      const again = await run(["-c", "--json", "Again"]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal((JSON.parse(again.stdout) as { model: string }).model, "script");
      // The key's value is written nowhere.
      const written = [
        join(own, "endpoints.json"),
        join(own, "config.json"),
        ...readdirSync(join(own, "conversations")).map((f) => join(own, "conversations", f)),
      ];
      for (const file of written) assert.doesNotMatch(readFileSync(file, "utf8"), /BOX_KEY_VALUE/, file);
      const unknown = await run(["-m", "nobox:script", "Hi"]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no endpoint "nobox" for the model "nobox:script" \(known endpoints: box\)/);
      const rm = await run(["endpoints", "rm", "box"]);
      assert.equal(rm.code, 0, rm.stderr);
    });

    it("a conversation longer than the server's context: the oldest turns are left out, as locally", async () => {
      const base = remote.baseFor("script");
      const size = await servedContext(base);
      const dir = tempHome();
      const file = join(dir, "long.json");
      // Each message a quarter of the context in bytes: the server's byte vocabulary counts four
      // times what parley estimates, so it refuses what the estimate says fits.
      const piece = Math.floor(size / 4);
      const turns = [1, 2, 3].flatMap((i) => [
        { role: "user", content: `question ${i} `.padEnd(piece, "q") },
        { role: "assistant", content: `answer ${i} `.padEnd(piece, "a") },
      ]);
      writeFileSync(file, JSON.stringify(turns));
      const r = await parley(["--base-url", base, "-m", "script", "--messages", file, "Hi"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), SCRIPT_REPLY);
      assert.match(r.stderr, /oldest messages? no longer fit and (was|were) left out of what the model sees/);
      const stop = await parley([
        "--base-url",
        base,
        "-m",
        "script",
        "--messages",
        file,
        "--context-policy",
        "stop",
        "Hi",
      ]);
      assert.equal(stop.code, 4, stop.stderr);
      assert.match(stop.stderr, /^parley: the conversation no longer fits the context \(\d+ of \d+ tokens/m);
    });

    it("Ctrl+C stops the reply: the partial reply is printed and saved as interrupted", async () => {
      const own = tempHome();
      const child = spawnParley(["--base-url", remote.baseFor("loop"), "-m", "loop", "Hi"], { home: own, env });
      child.stdin?.end();
      let out = "";
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      const done = collect(child);
      await waitFor(() => out.includes("la"), 60_000, "the reply to start");
      child.kill("SIGINT");
      const r = await done;
      assert.equal(r.code, 130, r.stderr);
      const files = readdirSync(join(own, "conversations")).filter((f) => f.endsWith(".jsonl"));
      const lines = readFileSync(join(own, "conversations", files[0] ?? ""), "utf8")
        .trim()
        .split("\n");
      const last = JSON.parse(lines.at(-1) ?? "{}") as { role: string; interrupted?: boolean; content: string };
      assert.equal(last.role, "assistant");
      assert.equal(last.interrupted, true);
      assert.match(last.content, /^(la)+/);
    });
  });
}

remoteSuite("a remote model on parley serve", async () => {
  const { home } = homeWithModels({ models: { script: "script", thinking: "thinking", loop: "loop" } });
  const served = await startServe(["-m", "script", "--max-models", "3"], { home });
  return { baseFor: () => `${served.url}/v1`, stop: () => served.stop(), grammar: true };
});

const llamaServer = llamaServerBin();
if (llamaServer !== undefined) {
  remoteSuite("a remote model on llama-server (NATIVE_LLAMA_BIN)", async () => {
    const names = ["script", "thinking", "loop"] as const;
    const servers = new Map<string, LlamaServer>();
    try {
      for (const name of names) servers.set(name, await startLlamaServer(llamaServer, fixture(name), name));
    } catch (err) {
      for (const s of servers.values()) await s.stop();
      throw err;
    }
    return {
      baseFor: (model) => `${servers.get(model)?.url ?? ""}/v1`,
      grammar: false,
      stop: async () => {
        for (const s of servers.values()) await s.stop();
      },
    };
  });
}
