/**
 * What a person sees when a remote server fails: the built CLI against a fault server on
 * 127.0.0.1 (and a refused port, a name under .invalid, https to a plain-http port). Each fault
 * is one line on stderr with its exit code; what was written before it is kept.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runParley, tempHome, type RunResult } from "../helpers/cli.ts";
import { FAULT_MODEL, startFaultServer, type FaultServer } from "../helpers/fault-server.ts";
import { freePort } from "../helpers/ports.ts";

/** One line on stderr, in words: no stack, no errno, no class name. */
function oneLine(r: RunResult): string {
  const lines = r.stderr.trim().split("\n");
  const last = lines.at(-1) ?? "";
  assert.match(last, /^parley: /, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at |E[A-Z]{4,}|TypeError|RemoteError|UND_ERR|fetch failed/, r.stderr);
  return last;
}

describe("remote faults as the CLI reports them", () => {
  let fault: FaultServer;
  const home = tempHome();
  const env = { PARLEY_BASE_URL: undefined, MY_KEY: "not-the-key-4321" };
  const ask = (base: string, ...extra: string[]): Promise<RunResult> =>
    runParley(["--base-url", base, "-m", FAULT_MODEL, ...extra, "Hi"], { home, env });
  const at = (scenario: string): string => `${fault.url}/${scenario}/v1`;
  before(async () => {
    fault = await startFaultServer();
  });
  after(() => fault.close());

  it("connection refused, an unknown host, TLS to a plain port: exit 6", async () => {
    const refused = await ask(`http://127.0.0.1:${await freePort()}/v1`);
    assert.equal(refused.code, 6);
    assert.match(oneLine(refused), /nothing answers at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/);
    const dns = await ask("http://no-such-host.invalid/v1");
    assert.equal(dns.code, 6);
    assert.match(oneLine(dns), /cannot find the host "no-such-host\.invalid"/);
    const tls = await ask(`https://${fault.url.slice("http://".length)}/ok/v1`);
    assert.equal(tls.code, 6);
    assert.match(oneLine(tls), /the secure \(https\) connection to https:\/\/127\.0\.0\.1:\d+ failed/);
  });

  it("https with a certificate this machine does not trust: one line, exit 6; trusted, it answers", async (t) => {
    const dir = tempHome();
    const made = spawnSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
        ...["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
      ],
      { encoding: "utf8" },
    );
    if (made.error || made.status !== 0) {
      t.skip(`openssl could not make a certificate: ${made.error?.message ?? made.stderr}`);
      return;
    }
    const secure = await startFaultServer({
      tls: { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") },
    });
    try {
      const untrusted = await ask(`${secure.url}/ok/v1`);
      assert.equal(untrusted.code, 6);
      assert.match(
        oneLine(untrusted),
        /the secure \(https\) connection to https:\/\/127\.0\.0\.1:\d+ failed: the server does not speak TLS there, or its certificate is not trusted/,
      );
      const trusted = await runParley(["--base-url", `${secure.url}/ok/v1`, "-m", FAULT_MODEL, "Hi"], {
        home,
        env: { ...env, NODE_EXTRA_CA_CERTS: join(dir, "cert.pem") },
      });
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.equal(trusted.stdout.trim(), "Hello world");
    } finally {
      await secure.close();
    }
  });

  it("a refused key names the variable, never the key", async () => {
    const r = await ask(at("auth"), "--api-key-env", "MY_KEY");
    assert.equal(r.code, 6);
    const line = oneLine(r);
    assert.match(line, /\/auth\/v1 refused the request: the key in MY_KEY was refused/);
    assert.doesNotMatch(r.stderr + r.stdout, /not-the-key-4321/);
  });

  it("an unknown model lists the server's models: exit 3", async () => {
    const r = await ask(at("nomodels"));
    assert.equal(r.code, 3);
    assert.match(oneLine(r), /has no model "tiny"; it has: alpha, beta/);
  });

  it("429 with Retry-After: waits, says so, then answers", async () => {
    const r = await ask(at("busy429"));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "Hello world");
    assert.match(r.stderr, /busy \(status 429\): trying again in 1\.0 s/);
  });

  it("503 that stays, and 500: exit 6", async () => {
    const busy = await ask(at("busy503"));
    assert.equal(busy.code, 6);
    assert.match(oneLine(busy), /is busy \(status 503\) and stayed busy: try again later \(loading the model\)/);
    const failed = await ask(at("fail500"));
    assert.equal(failed.code, 6);
    assert.match(oneLine(failed), /failed \(status 500\) \(the GPU fell over\)/);
  });

  it("a stream cut mid-reply: the partial reply is printed and saved, marked interrupted", async () => {
    const own = tempHome();
    const r = await runParley(["--base-url", at("cut"), "-m", FAULT_MODEL, "Hi"], { home: own, env });
    assert.equal(r.code, 6);
    assert.equal(r.stdout.trim(), "Half a reply");
    assert.match(
      oneLine(r),
      /closed by the other side, in the middle of the reply|ended the stream in the middle of the reply/,
    );
    const file = readdirSync(join(own, "conversations")).find((f) => f.endsWith(".jsonl")) ?? "";
    const last = JSON.parse(
      readFileSync(join(own, "conversations", file), "utf8")
        .trim()
        .split("\n")
        .at(-1) ?? "{}",
    ) as {
      content: string;
      interrupted?: boolean;
    };
    assert.equal(last.content, "Half a reply");
    assert.equal(last.interrupted, true);
  });

  it("a server that stops sending: the idle timeout ends the wait", async () => {
    const started = Date.now();
    const r = await ask(at("stall"), "--idle-timeout", "1");
    assert.equal(r.code, 6);
    assert.equal(r.stdout.trim(), "Wait");
    assert.match(oneLine(r), /sent nothing for 1 s in the middle of the reply/);
    assert.ok(Date.now() - started < 30_000);
  });

  it("malformed streams: split lines and comments are read; an error chunk, a non-JSON line, a huge line are one line each", async () => {
    const split = await ask(at("split"));
    assert.equal(split.code, 0, split.stderr);
    assert.equal(split.stdout.trim(), "Split lines");
    const chunk = await ask(at("errchunk"));
    assert.equal(chunk.code, 6);
    assert.equal(chunk.stdout.trim(), "Partly");
    assert.match(oneLine(chunk), /reported an error in the middle of the reply: out of memory/);
    const notJson = await ask(at("notjson"));
    assert.equal(notJson.code, 6);
    assert.match(oneLine(notJson), /sent a line that is not JSON, "this is not json"/);
    const huge = await ask(at("huge"));
    assert.equal(huge.code, 6);
    assert.match(oneLine(huge), /sent a line longer than 1024 KiB: stopped reading/);
  });

  it("usage the server does not send is estimated, and marked so", async () => {
    const r = await ask(at("nousage"), "--stats");
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /prompt: about \d+ tokens, completion: about 2 tokens \(estimated: the server sent no usage\)/,
    );
  });

  it("sends the schema as response_format, and the settings it cannot send are named", async () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const r = await ask(at("ok"), "--schema", JSON.stringify(schema), "--top-k", "3");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /top-k is not sent to .*: the Chat Completion API has no such field/);
    const body = fault.bodies.get("ok")?.at(-1);
    assert.deepEqual(body?.response_format, { type: "json_schema", json_schema: { name: "reply", schema } });
    assert.equal(body?.stream, true);
    assert.equal(body?.top_k, undefined);
  });

  it("settings for a local model are named once each, and a context size the server overrides", async () => {
    const r = await runParley(
      [
        ...["--base-url", at("ok"), "-m", FAULT_MODEL, "--threads", "2", "--gpu", "off"],
        ...["--template", "chatml", "--context-size", "4096", "Hi"],
      ],
      { home, env: { ...env, PARLEY_GPU_LAYERS: "3" } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "Hello world");
    const lines = r.stderr.trim().split("\n");
    for (const pattern of [
      /--threads does not apply to a remote model: the server chooses its threads/,
      /--gpu does not apply to a remote model: the server chooses its compute backend/,
      /--template does not apply to a remote model: the server applies the model's chat template/,
      /gpu-layers \(env PARLEY_GPU_LAYERS\) does not apply to a remote model/,
      /runs tiny with a context of 2048 tokens: the context size of 4096 does not apply/,
    ]) {
      assert.equal(lines.filter((l) => pattern.test(l)).length, 1, `${String(pattern)} in ${r.stderr}`);
    }
  });

  it("a prompt the server's context cannot hold: exit 4, as locally", async () => {
    const r = await ask(at("toolong"));
    assert.equal(r.code, 4);
    assert.match(
      oneLine(r),
      /the prompt does not fit the server's context \(the request exceeds the available context size/,
    );
  });

  it("a conversation the server counts as too long: the oldest turns are left out (drop), or it stops (stop), as locally", async () => {
    const dir = tempHome();
    const file = join(dir, "long.json");
    const turns = [1, 2, 3].flatMap((i) => [
      { role: "user", content: `question ${i} `.padEnd(800, "q") },
      { role: "assistant", content: `answer ${i} `.padEnd(800, "a") },
    ]);
    writeFileSync(file, JSON.stringify(turns));
    for (const scenario of ["window", "windowwords", "windowvllm"]) {
      const r = await runParley(["--base-url", at(scenario), "-m", FAULT_MODEL, "--messages", file, "Hi"], {
        home,
        env,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "Hello world");
      assert.match(r.stderr, /the \d+ oldest messages no longer fit and were left out of what the model sees/);
      const sent = fault.bodies.get(scenario) ?? [];
      const last = sent.at(-1)?.messages as { content: string }[];
      assert.ok(sent.length >= 2, `${scenario}: sent again after the refusal`);
      assert.ok(last.length < 7, `${scenario}: fewer messages the second time`);
      assert.equal(last.at(-1)?.content, "Hi");
    }
    const stop = await runParley(
      ["--base-url", at("window"), "-m", FAULT_MODEL, "--messages", file, "--context-policy", "stop", "Hi"],
      { home, env },
    );
    assert.equal(stop.code, 4, stop.stderr);
    assert.match(oneLine(stop), /the conversation no longer fits the context \(\d+ of 2048 tokens/);
  });

  it("a setting the server refuses is named once and no longer sent; a continuation it refuses is said", async () => {
    const r = await ask(at("notemp"), "--temperature", "0.5");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "Hello world");
    const warnings = r.stderr.split("\n").filter((l) => /refused temperature/.test(l));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(
      warnings[0] ?? "",
      /refused temperature \(Unsupported parameter: 'temperature' is not supported with this model\.\): it is no longer sent this session/,
    );
    assert.equal(fault.bodies.get("notemp")?.at(-1)?.temperature, undefined);
    const dir = tempHome();
    const file = join(dir, "messages.json");
    writeFileSync(
      file,
      JSON.stringify([
        { role: "user", content: "Count" },
        { role: "assistant", content: "one," },
      ]),
    );
    const cont = await runParley(["--base-url", at("nocontinue"), "-m", FAULT_MODEL, "--messages", file], {
      home,
      env,
    });
    assert.equal(cont.code, 6, cont.stderr);
    assert.match(
      oneLine(cont),
      /cannot carry on a reply \(it refused continue_final_message: Unrecognized request argument supplied: continue_final_message\): \/retry writes the reply again/,
    );
  });

  it("a trailing assistant message is sent as it is, for the server to continue", async () => {
    const dir = tempHome();
    const file = join(dir, "messages.json");
    const messages = [
      { role: "user", content: "Count" },
      { role: "assistant", content: "one, two," },
    ];
    writeFileSync(file, JSON.stringify(messages));
    const r = await runParley(["--base-url", at("ok"), "-m", FAULT_MODEL, "--messages", file], { home, env });
    assert.equal(r.code, 0, r.stderr);
    const body = fault.bodies.get("ok")?.at(-1);
    const sent = body?.messages as { role: string; content: string }[] | undefined;
    assert.deepEqual(sent?.at(-1), { role: "assistant", content: "one, two," });
    // vLLM's and llama-server's names for carrying it on.
    assert.equal(body?.continue_final_message, true);
    assert.equal(body?.add_generation_prompt, false);
  });

  it("parley serve refuses a remote model in one line", async () => {
    const r = await runParley(["serve", "--port", "0", "-m", "x"], {
      home,
      env: { ...env, PARLEY_BASE_URL: at("ok") },
    });
    assert.equal(r.code, 2);
    assert.match(oneLine(r), /parley serve serves models on this machine; the model is a remote one/);
  });
});
