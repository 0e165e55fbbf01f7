/**
 * The CPU the chat screen spends per streamed token, without a model: the real App renders into
 * a fake 100x30 terminal while a scripted engine emits a story token by token on a timer, as fast
 * as a small model would (one token a millisecond). Reports main-thread CPU per 1,000 tokens
 * over a baseline with no screen, frames painted and bytes written, so rendering changes can be
 * compared without the noise of a loaded machine.
 *
 *   node --import tsx bench/tui-render.ts [--tokens 2000] [--runs 5] [--markdown off] [--text sample.txt]
 */
import { readFileSync } from "node:fs";
import { PassThrough, Writable } from "node:stream";
import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { median } from "./stats.ts";

process.env.NODE_ENV ??= "production";
process.env.CI = "false";
process.env.FORCE_COLOR ??= "1";

const { values } = parseArgs({
  options: {
    tokens: { type: "string", default: "2000" },
    runs: { type: "string", default: "5" },
    markdown: { type: "string", default: "on" },
    text: { type: "string" },
  },
});
const TOKENS = Number(values.tokens);

const { render } = await import("ink");
const { createElement } = await import("react");
const { Conversation } = await import("../dist/core/conversation.js");
const { resolveSettings } = await import("../dist/settings/resolve.js");
const { App } = await import("../dist/tui/App.js");

const SAMPLE =
  values.text !== undefined
    ? readFileSync(values.text, "utf8")
    : [
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the sunny day.",
        'One day, she saw a small bird in the tree. "Hello, bird!" said Lily. "Do you want to play with me?"',
        'The bird was happy and said, "Yes, I will help you." They played together and had fun together.',
        "",
        "## The next day",
        "",
        "- Lily went to the park with her **mom**.",
        "- They saw a big `tree` and a _red_ ball.",
        "",
        "```js",
        "const bird = { name: 'Tweety', happy: true };",
        "console.log(bird.name);",
        "```",
        "",
      ].join("\n");

function tokensOf(text: string, n: number): string[] {
  const out: string[] = [];
  const pieces = text.match(/\s*\S{1,4}|\s+/g) ?? [text];
  for (let i = 0; out.length < n; i++) out.push(pieces[i % pieces.length] ?? " ");
  return out;
}

const TOKEN_LIST = tokensOf(SAMPLE, TOKENS);

class TimedEngine {
  readonly info = {
    name: "bench.gguf",
    template: "ChatML",
    backend: "CPU",
    contextSize: 100000,
    trainContextSize: 100000,
    threads: 1,
  };
  async *generate() {
    const startedAt = performance.now();
    for (const token of TOKEN_LIST) {
      yield { type: "text" as const, text: token };
      await new Promise((r) => setTimeout(r, 1));
    }
    const endedAt = performance.now();
    yield {
      type: "finish" as const,
      result: {
        stopReason: "stop" as const,
        promptTokens: 5,
        completionTokens: TOKEN_LIST.length,
        startedAt,
        firstTokenAt: startedAt,
        endedAt,
      },
    };
  }
  readonly tokens = {
    countTokens: (messages: readonly unknown[]): number => messages.length * 5,
    promptTokens: (): number[] => [],
  };
  async dispose() {}
}

class FakeTty extends Writable {
  isTTY = true;
  columns = 100;
  rows = 30;
  bytes = 0;
  writes = 0;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.bytes += chunk.length;
    this.writes++;
    done();
  }
}

function fakeStdin(): NodeJS.ReadStream {
  return Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: () => undefined,
    ref: () => undefined,
    unref: () => undefined,
  }) as unknown as NodeJS.ReadStream;
}

async function once(withScreen: boolean): Promise<Sample> {
  const engine = new TimedEngine();
  const session = new Conversation({ engine, settings: resolveSettings([]) });
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  if (!withScreen) {
    for await (const event of session.send("hi")) if (event.type === "error") throw event.error;
    const used = process.cpuUsage(cpu);
    return {
      cpuMs: (used.user + used.system) / 1000,
      wallMs: performance.now() - t0,
      bytes: 0,
      writes: 0,
      paints: 0,
      paintMs: 0,
    };
  }
  const stdout = new FakeTty();
  let paints = 0;
  let paintMs = 0;
  const instance = render(
    createElement(App, {
      load: () => Promise.resolve({ conversation: session }),
      markdown: values.markdown !== "off",
      writeTerminal: () => undefined,
      firstPrompt: "hi",
    }),
    {
      stdout: stdout as never,
      stdin: fakeStdin(),
      exitOnCtrlC: false,
      maxFps: 30,
      patchConsole: false,
      onRender: ({ renderTime }) => {
        paints++;
        paintMs += renderTime;
      },
    },
  );
  while (session.messages.length < 2 || session.generating) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 60));
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - t0;
  instance.unmount();
  return {
    cpuMs: (used.user + used.system) / 1000,
    wallMs,
    bytes: stdout.bytes,
    writes: stdout.writes,
    paints,
    paintMs,
  };
}

interface Sample {
  cpuMs: number;
  wallMs: number;
  bytes: number;
  writes: number;
  paints: number;
  paintMs: number;
}

const base: Sample[] = [];
const screen: Sample[] = [];
await once(true); // warm-up: module loading, JIT
for (let i = 0; i < Number(values.runs); i++) {
  base.push(await once(false));
  screen.push(await once(true));
}
const per1k = (ms: number): string => ((ms * 1000) / TOKENS).toFixed(1);
const cpuBase = median(base.map((s) => s.cpuMs));
const cpuScreen = median(screen.map((s) => s.cpuMs));
const wallBase = median(base.map((s) => s.wallMs));
const wallScreen = median(screen.map((s) => s.wallMs));
console.log(
  `${TOKENS} tokens, one a millisecond, markdown ${values.markdown}, ${values.runs} runs, load ${(loadavg()[0] ?? 0).toFixed(2)}`,
);
console.log(`no screen : cpu ${per1k(cpuBase)} ms / 1k tokens, wall ${per1k(wallBase)} ms / 1k tokens`);
console.log(`screen    : cpu ${per1k(cpuScreen)} ms / 1k tokens, wall ${per1k(wallScreen)} ms / 1k tokens`);
console.log(
  `screen cost: ${per1k(cpuScreen - cpuBase)} ms cpu / 1k tokens; wall ${((wallScreen / wallBase - 1) * 100).toFixed(1)}% longer; ` +
    `${(median(screen.map((s) => s.bytes)) / 1024).toFixed(0)} KiB in ${median(screen.map((s) => s.writes))} writes; ` +
    `${median(screen.map((s) => s.paints))} paints, ${median(screen.map((s) => s.paintMs)).toFixed(0)} ms in Ink's renderer`,
);
