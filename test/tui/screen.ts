/** The chat screen in ink-testing-library over a scripted engine, and waiting on what it shows. */
import { render } from "ink-testing-library";
import { createElement } from "react";
import type { Conversation } from "../../src/core/index.ts";
import { App, type AppProps } from "../../src/tui/App.tsx";
import type { LoadModel } from "../../src/tui/hooks/use-loader.ts";
import { conversationOver } from "../helpers/conversation.ts";
import { FakeEngine } from "./fake-engine.ts";

export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface ScreenOptions extends Partial<AppProps> {
  pieces?: string[];
  session?: Conversation;
}

export function screen(options: ScreenOptions = {}) {
  const session = options.session ?? conversationOver(new FakeEngine(options.pieces));
  const load: LoadModel = options.load ?? (() => Promise.resolve({ conversation: session }));
  const app = render(createElement(App, { markdown: false, writeTerminal: () => undefined, ...options, load }));
  const last = (): string => app.lastFrame() ?? "";
  const frames = (): string => app.frames.join("\n");
  const ready = (): Promise<void> => until(() => last().includes("idle ·"), "ready");
  return { app, session, last, frames, ready, type: (s: string) => app.stdin.write(s) };
}
