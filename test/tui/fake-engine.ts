/** A scripted ChatEngine for screen tests: no model, replies with the given pieces. */
import type { ChatEngine, EngineInfo, EnginePart, GenerateRequest, TokenCounting } from "../../src/engine/engine.ts";

export const FAKE_INFO: EngineInfo = {
  name: "fake.gguf",
  template: "ChatML",
  backend: "CPU",
  contextSize: 1000,
  trainContextSize: 1000,
  threads: 1,
};

export class FakeEngine implements ChatEngine {
  readonly info = FAKE_INFO;
  requests: GenerateRequest[] = [];
  constructor(private readonly pieces: string[] = ["Hello", " **world**"]) {}

  async *generate(request: GenerateRequest): AsyncGenerator<EnginePart> {
    this.requests.push(request);
    const startedAt = performance.now();
    yield { type: "prompt", tokens: 10 };
    for (const piece of this.pieces) {
      if (request.signal?.aborted) break;
      yield { type: "text", text: piece };
      await new Promise((r) => setTimeout(r, 1));
    }
    yield {
      type: "finish",
      result: {
        stopReason: request.signal?.aborted ? "abort" : "stop",
        promptTokens: 10,
        completionTokens: this.pieces.length,
        startedAt,
        firstTokenAt: startedAt,
        endedAt: performance.now(),
      },
    };
  }

  readonly tokens: TokenCounting = {
    countTokens: (messages) => messages.length * 10,
    promptTokens: (messages) => messages.map(() => 0),
  };

  async dispose(): Promise<void> {}
}

/**
 * A scripted engine whose replies are given one per request: each a list of parts (text, tool
 * calls). Past the script's end it answers "done".
 */
export class ScriptedEngine implements ChatEngine {
  readonly info = FAKE_INFO;
  requests: GenerateRequest[] = [];
  constructor(private readonly replies: EnginePart[][]) {}

  async *generate(request: GenerateRequest): AsyncGenerator<EnginePart> {
    const script = this.replies[this.requests.length] ?? [{ type: "text", text: "done" }];
    this.requests.push(request);
    const startedAt = performance.now();
    yield { type: "prompt", tokens: 10 };
    for (const part of script) {
      yield part;
      await new Promise((r) => setTimeout(r, 1));
    }
    const called = script.some((p) => p.type === "tool-call");
    yield {
      type: "finish",
      result: {
        stopReason: called ? "tool_calls" : "stop",
        promptTokens: 10,
        completionTokens: script.length,
        startedAt,
        firstTokenAt: startedAt,
        endedAt: performance.now(),
      },
    };
  }

  readonly tokens: TokenCounting = {
    countTokens: (messages) => messages.length * 10,
    promptTokens: (messages) => messages.map(() => 0),
  };

  async dispose(): Promise<void> {}
}

/** The parts of one tool call. */
export function toolCall(index: number, name: string, args: unknown): EnginePart[] {
  return [
    { type: "tool-call", index, id: `call_${index}_${name}`, name },
    { type: "tool-call", index, arguments: JSON.stringify(args) },
  ];
}
