import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { screen, until } from "./screen.ts";

describe("rows of the chat screen", () => {
  test("shown reasoning has a thinking label and is indented, live and frozen, so it never reads as the answer", async () => {
    const s = screen({ pieces: ["<think>weighing it", " up</think>", "The answer."], showReasoning: true });
    await s.ready();
    s.type("q");
    s.type("\r");
    await until(() => s.session.messages.length === 2 && s.last().includes("idle ·"), "reply");
    assert.match(s.frames(), /assistant\nthinking\n {2}weighing it up\n\nThe answer\./);
    s.app.unmount();
  });

  test("/help is laid out for the terminal: the command column and the text column do not touch", async () => {
    const s = screen();
    await s.ready();
    s.type("/help");
    s.type("\r");
    await until(() => s.frames().includes("/set [<param> <value>|default]"), "help");
    const row = s
      .frames()
      .split("\n")
      .find((l) => l.startsWith("/set ["));
    assert.match(row ?? "", /^\/set \[<param> <value>\|default\] {3}set a sampling parameter/);
    s.app.unmount();
  });
});

describe("opening the chat", () => {
  test("a load that waits for another parley says so at once, and Ctrl+C gives up (the load is aborted)", async () => {
    let aborted = false;
    const s = screen({
      load: (onProgress, onNotice, signal) =>
        new Promise((_resolve, reject) => {
          onProgress(1);
          onNotice("another parley (process 42) is writing conversation abc: waiting for it to finish");
          signal.addEventListener("abort", () => {
            aborted = true;
            reject(new Error("given up"));
          });
        }),
    });
    await until(() => s.last().includes("waiting for it to finish · Ctrl+C gives up"), "the waiting row");
    assert.doesNotMatch(s.last(), /Loading the model/);
    assert.match(s.last(), /^waiting · Ctrl\+C quit/m);
    s.type("\u0003");
    await until(() => aborted, "the load aborted");
  });
});
