/**
 * A native llama-server on 127.0.0.1 for tests, when NATIVE_LLAMA_BIN names the folder of
 * llama.cpp's programs (../shared/tools/native-llama.sh prints it). Ready once /health says 200.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./ports.ts";

export interface LlamaServer {
  url: string;
  stop(): Promise<void>;
}

/** The llama-server program, when NATIVE_LLAMA_BIN is set and holds one. */
export function llamaServerBin(): string | undefined {
  const dir = process.env.NATIVE_LLAMA_BIN;
  if (!dir) return undefined;
  const bin = join(dir, "llama-server");
  return existsSync(bin) ? bin : undefined;
}

export async function startLlamaServer(bin: string, model: string, alias: string): Promise<LlamaServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ["-m", model, "--alias", alias, "--host", "127.0.0.1", "--port", String(port), "-c", "2048", "-t", "1", "-np", "1"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (err = (err + d).slice(-4000)));
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.on("close", () => {
      gone = true;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const health = await fetch(`${url}/health`).catch(() => undefined);
    if (health?.status === 200) break;
    if (gone || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`llama-server did not get ready: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: async () => {
      if (!gone) child.kill("SIGKILL");
      await exited;
    },
  };
}
