/** A real `parley serve` on 127.0.0.1 for tests: started on a free port, ready once /health says 200. */
import type { ChildProcess } from "node:child_process";
import { spawnParley, tempHome, waitFor } from "./cli.ts";

export interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export async function startServe(
  args: string[],
  options: { env?: Record<string, string | undefined>; home?: string; ready?: boolean } = {},
): Promise<Served> {
  const child = spawnParley(["serve", "--port", "0", ...args], {
    home: options.home ?? tempHome(),
    env: options.env ?? {},
  });
  child.stdin?.end();
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(() => /listening on http/.test(out) || gone, 60_000, `the server to listen (stderr: ${err})`);
  if (gone) throw new Error(`parley serve exited: ${err}`);
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? "";
  if (options.ready !== false) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const health = await fetch(`${url}/health`).catch(() => undefined);
      if (health?.status === 200) break;
      if (Date.now() > deadline || gone) throw new Error(`parley serve did not get ready: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: async () => {
      if (!gone) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** POSTs a JSON body (or raw text) and returns the status, headers and parsed body. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Headers;
  json: { error?: { message: string; type: string; param: string | null; code: string | null } } & Record<
    string,
    unknown
  >;
}> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as never };
}
