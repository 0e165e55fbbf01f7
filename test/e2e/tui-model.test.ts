/** /models, /model <name> and /compact in a real terminal. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runParley, tempHome } from "../helpers/cli.ts";
import { fixture, SCRIPT_REPLY } from "../helpers/fixtures.ts";
import { IDLE, send, terminals } from "./chat.ts";

const open = terminals();

describe("models and the context inside the chat", { timeout: 300_000 }, () => {
  test("/models lists the folder; /model <name> switches, keeps the conversation, and the file records it", async () => {
    const home = tempHome();
    const paths = JSON.parse((await runParley(["paths", "--json"], { home })).stdout) as { models: string };
    mkdirSync(paths.models, { recursive: true });
    copyFileSync(fixture("script"), join(paths.models, "alpha.gguf"));
    copyFileSync(fixture("llama3"), join(paths.models, "beta.gguf"));
    const term = open(["-m", "alpha", "--threads", "1"], { home, rows: 40 });
    await term.ready();
    await send(term, "First question");
    await term.waitFor((s) => s.includes(SCRIPT_REPLY) && IDLE.test(s));
    await send(term, "/models");
    await term.waitFor((s) => /^alpha$/m.test(s) && /^beta$/m.test(s));
    await send(term, "/model beta");
    await term.waitFor(/now using beta\.gguf \(Llama ?3/);
    await send(term, "/model");
    await term.waitFor(/^model +beta\.gguf$/m);
    await send(term, "Second question");
    await term.waitFor((s) => s.split(SCRIPT_REPLY).length - 1 >= 2 && IDLE.test(s));
    term.press("C-d");
    await term.waitForExit();
    const list = JSON.parse((await runParley(["history", "list", "--json"], { home })).stdout) as {
      model: string;
      messages: number;
    }[];
    assert.equal(list[0]?.messages, 4, "one conversation across both models");
    assert.equal(list[0]?.model, "beta.gguf");
  });

  test("/compact summarises the older turns and says so; a second /compact has nothing to do", async () => {
    const home = tempHome();
    const term = open(["-m", fixture("script"), "--threads", "1"], { home, rows: 40 });
    await term.ready();
    for (const [i, q] of ["one", "two", "three"].entries()) {
      await send(term, q);
      // Its reply, not the idle line of the one before: a command sent while a reply is written waits.
      await term.waitFor((s) => s.split(SCRIPT_REPLY).length - 1 === i + 1 && IDLE.test(s));
    }
    await send(term, "/compact");
    await term.waitFor(/the 4 older messages are now one summary in what the model sees/);
    await send(term, "/compact");
    await term.waitFor(/nothing to compact yet/);
  });
});

describe("signals in the chat", { timeout: 200_000 }, () => {
  for (const [signal, code] of [
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    test(`${signal} during a reply keeps the partial reply, marked interrupted, and exits ${code}`, async () => {
      const home = tempHome();
      const marker = String(10_000 + code);
      const term = open(["-m", fixture("loop"), "--threads", "1", "-n", "100000", "--seed", marker], { home });
      await term.ready();
      await send(term, "sing");
      await term.waitFor(/(la){20}/);
      // parley itself, not the shell that started it in the pane.
      const pids = execFileSync("pgrep", ["-f", `seed ${marker}`], { encoding: "utf8" })
        .trim()
        .split("\n")
        .map(Number)
        .filter((pid) => pid !== process.pid && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "node");
      for (const pid of pids) {
        try {
          process.kill(pid, signal);
        } catch {
          // The shell that started it may be gone already.
        }
      }
      assert.equal(await term.waitForExit(), code);
      const list = JSON.parse((await runParley(["history", "list", "--json"], { home })).stdout) as {
        id: string;
        messages: number;
      }[];
      assert.equal(list[0]?.messages, 2, "the partial reply was saved");
      const saved = JSON.parse((await runParley(["history", "export", list[0]?.id ?? ""], { home })).stdout) as {
        content: string;
      }[];
      assert.match(saved[1]?.content ?? "", /^(la)+$/);
    });
  }
});
