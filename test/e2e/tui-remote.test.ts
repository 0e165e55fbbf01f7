/** The chat screen on a remote model (a real parley serve, and a server that stops sending). */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runParley } from "../helpers/cli.ts";
import { startFaultServer, FAULT_MODEL, type FaultServer } from "../helpers/fault-server.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";
import { llamaServerBin, startLlamaServer, type LlamaServer } from "../helpers/llama-server.ts";
import { homeWithModels } from "../helpers/models-folder.ts";
import { startServe, type Served } from "../helpers/serve.ts";
import { IDLE, send, terminals } from "./chat.ts";

const start = terminals();

describe("the chat screen on a remote model", { timeout: 240_000 }, () => {
  let served: Served;
  let fault: FaultServer;
  before(async () => {
    const { home } = homeWithModels({ models: { script: "script" } });
    served = await startServe(["-m", "script"], { home });
    fault = await startFaultServer();
  });
  after(async () => {
    await served.stop();
    await fault.close();
  });

  test("chats with the served model, and a dead server is a row: the chat goes on", async () => {
    const term = start(["--base-url", `${served.url}/v1`, "-m", "script"]);
    const screen = await term.ready();
    assert.match(screen, /parley · script · the server's · remote \(127\.0\.0\.1:\d+\) · context \d+/);
    await send(term, "hello there");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    await served.stop();
    await send(term, "are you there");
    const after = await term.waitFor((s) => /connection refused/.test(s) && IDLE.test(s));
    assert.match(after, /nothing answers at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/);
  });

  test("/model NAME:model-id moves a local chat onto an endpoint's model", async () => {
    const { home } = homeWithModels({ models: { alpha: "script" } });
    const restarted = await startServe(["-m", "script"], {
      home: homeWithModels({ models: { script: "script" } }).home,
    });
    try {
      const add = await runParley(["endpoints", "add", "box", `${restarted.url}/v1`, "--api-key-env", "BOX_KEY"], {
        home,
      });
      assert.equal(add.code, 0, add.stderr);
      const term = start(["-m", "alpha", "--threads", "1"], { home, rows: 40, env: { BOX_KEY: "box-secret-9876" } });
      await term.ready();
      await send(term, "/models");
      // The local models and the endpoint's, marked.
      await term.waitFor((s) => /^alpha/m.test(s) && /box:script {2}\(remote, endpoint box\)/.test(s) && IDLE.test(s));
      await send(term, "First question");
      await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
      await send(term, "/model box:script");
      await term.waitFor(/now using script/);
      await send(term, "/show model");
      const shown = await term.waitFor(/key +BOX_KEY \(set\)/);
      assert.match(shown, /server +http:\/\/127\.0\.0\.1:\d+\/v1/);
      assert.doesNotMatch(shown, /box-secret-9876/);
      await send(term, "Second question");
      await term.waitFor((s) => s.split(SCRIPT_REPLY).length - 1 >= 2 && IDLE.test(s));
      term.press("C-d");
      await term.waitForExit();
      const list = JSON.parse((await runParley(["history", "list", "--json"], { home })).stdout) as {
        model: string;
        messages: number;
      }[];
      assert.equal(list[0]?.messages, 4, "one conversation across both models");
      assert.equal(list[0]?.model, "script");
    } finally {
      await restarted.stop();
    }
  });

  test("/continue: carried on where the server can, a plain refusal where it cannot", async () => {
    const term = start(["--base-url", `${fault.url}/nocontinue/v1`, "-m", FAULT_MODEL]);
    await term.ready();
    await send(term, "hello");
    await term.waitFor((s) => s.includes("Hello world") && IDLE.test(s));
    await send(term, "/continue");
    const refused = await term.waitFor((s) => /cannot carry on a reply/.test(s) && IDLE.test(s));
    assert.match(
      refused.replace(/\n/g, ""),
      /refused continue_final_message: Unrecognized request argument supplied: continue_final_message\): \/retry writes the reply again/,
    );
    // The chat goes on: /retry writes the reply again.
    await send(term, "/retry");
    await term.waitFor((s) => (fault.hits.get("nocontinue") ?? 0) >= 3 && s.includes("Hello world") && IDLE.test(s));
    const able = start(["--base-url", `${fault.url}/ok/v1`, "-m", FAULT_MODEL]);
    await able.ready();
    await send(able, "hello");
    await able.waitFor((s) => s.includes("Hello world") && IDLE.test(s));
    await send(able, "/continue");
    await able.waitFor((s) => s.includes("Hello worldHello world") && IDLE.test(s));
    const body = fault.bodies.get("ok")?.at(-1);
    assert.equal(body?.continue_final_message, true);
    assert.deepEqual((body?.messages as { role: string }[]).at(-1)?.role, "assistant");
  });

  test("a server that sends no usage: the status line's count is estimated, and says so", async () => {
    const term = start(["--base-url", `${fault.url}/nousage/v1`, "-m", FAULT_MODEL]);
    await term.ready();
    await send(term, "hello");
    const screen = await term.waitFor((s) => s.includes("No usage") && IDLE.test(s));
    assert.match(screen, /last about 2 tok \(estimated\), [\d.]+ tok\/s/);
  });

  test("Esc, and Ctrl+C, get back to the input from a server that stops sending", async () => {
    for (const key of ["Escape", "C-c"]) {
      const term = start(["--base-url", `${fault.url}/stall/v1`, "-m", FAULT_MODEL, "--idle-timeout", "600"]);
      await term.ready();
      await send(term, "hello");
      await term.waitFor("Wait");
      term.press(key);
      const screen = await term.waitFor((s) => s.includes("[interrupted]") && IDLE.test(s));
      assert.match(screen, /assistant\nWait/);
      // The chat goes on.
      await send(term, "again");
      await term.waitFor((s) => s.split("Wait").length - 1 >= 2);
      term.press("Escape");
      await term.waitFor((s) => s.split("[interrupted]").length - 1 >= 2 && IDLE.test(s));
      term.kill();
    }
  });
});

const llamaServer = llamaServerBin();
if (llamaServer !== undefined) {
  describe("the chat screen on a model on llama-server (NATIVE_LLAMA_BIN)", { timeout: 240_000 }, () => {
    let server: LlamaServer;
    before(async () => {
      server = await startLlamaServer(llamaServer, fixture("script"), "script");
    });
    after(() => server.stop());

    test("chats, carries on a reply with /continue, and a dead server is a row", async () => {
      const term = start(["--base-url", `${server.url}/v1`, "-m", "script"]);
      const screen = await term.ready();
      // llama-server caps its -c 2048 at the fixture's training context; parley reads that from /props.
      assert.match(screen, /parley · script · the server's · remote \(127\.0\.0\.1:\d+\) · context 512/);
      await send(term, "hello there");
      await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
      await send(term, "/continue");
      // llama-server carries the reply on: the scripted model has nothing more to say, so it ends.
      const carried = await term.waitFor((s) => IDLE.test(s) && !/cannot carry on/.test(s));
      assert.doesNotMatch(carried, /error:/);
      await server.stop();
      await send(term, "are you there");
      await term.waitFor((s) => /connection refused/.test(s) && IDLE.test(s));
    });
  });
}
