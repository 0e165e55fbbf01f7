/**
 * A small OpenAI-compatible server on 127.0.0.1 that misbehaves on purpose. The first path
 * segment picks the behaviour: `${url}/<scenario>/v1` is the base URL to give parley.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";

export interface FaultServer {
  url: string;
  /** The request bodies /chat/completions got, by scenario. */
  bodies: Map<string, Record<string, unknown>[]>;
  /** How many requests each scenario's /chat/completions got. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export const FAULT_MODEL = "tiny";
export const SECRET = "sesame-1234";
/** The context every model of the fault server has, in tokens. */
export const WINDOW = 2048;

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  const body = {
    id: "c1",
    object: "chat.completion.chunk",
    created: 1,
    model: FAULT_MODEL,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

const USAGE = `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: FAULT_MODEL, choices: [], usage: { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 } })}\n\n`;
const DONE = "data: [DONE]\n\n";

function sse(res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { error: { message, type: "server_error", param: null, code: null } }, headers);
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const part of req) text += String(part);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Writes the pieces one by one, each in its own packet. */
async function dribble(res: ServerResponse, pieces: string[]): Promise<void> {
  for (const piece of pieces) {
    await new Promise<void>((resolve) => res.write(piece, () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function chat(scenario: string, res: ServerResponse, server: FaultServer): Promise<void> {
  const hits = server.hits.get(scenario) ?? 0;
  switch (scenario) {
    case "busy429":
      if (hits <= 2) return error(res, 429, "slow down", { "Retry-After": "1" });
      break;
    case "busy503":
      return error(res, 503, "loading the model", { "Retry-After": "0" });
    case "fail500":
      return error(res, 500, "the GPU fell over");
    case "toolong":
      return error(res, 400, "the request exceeds the available context size, try increasing it");
    case "window":
    case "windowwords":
    case "windowvllm": {
      // Counts a token for every two characters: twice what parley estimates.
      const messages = (server.bodies.get(scenario)?.at(-1)?.messages ?? []) as { content: string }[];
      const tokens = messages.reduce((sum, m) => sum + Math.ceil(m.content.length / 2), 0);
      if (tokens < WINDOW) break;
      if (scenario === "windowwords") return error(res, 400, "the prompt is too long for this model");
      if (scenario === "windowvllm") {
        return json(res, 400, {
          object: "error",
          message: `This model's maximum context length is ${WINDOW} tokens. However, you requested ${tokens + 16} tokens (${tokens} in the messages, 16 in the completion). Please reduce the length of the messages or completion.`,
          type: "BadRequestError",
          param: null,
          code: 400,
        });
      }
      return json(res, 400, {
        error: {
          code: 400,
          message: `request (${tokens} tokens) exceeds the available context size (${WINDOW} tokens), try increasing it`,
          type: "exceed_context_size_error",
          n_prompt_tokens: tokens,
          n_ctx: WINDOW,
        },
      });
    }
    case "notemp": {
      const body = server.bodies.get(scenario)?.at(-1) ?? {};
      if ("temperature" in body) {
        return json(res, 400, {
          error: {
            message: "Unsupported parameter: 'temperature' is not supported with this model.",
            type: "invalid_request_error",
            param: "temperature",
            code: "unsupported_parameter",
          },
        });
      }
      break;
    }
    case "nocontinue": {
      const body = server.bodies.get(scenario)?.at(-1) ?? {};
      if ("continue_final_message" in body)
        return error(res, 400, "Unrecognized request argument supplied: continue_final_message");
      break;
    }
    case "cut":
      sse(res);
      await dribble(res, [
        chunk({ role: "assistant", content: "" }),
        chunk({ content: "Half" }),
        chunk({ content: " a reply" }),
      ]);
      (res.socket as Socket).destroy();
      return;
    case "stall":
      sse(res);
      await dribble(res, [chunk({ content: "Wait" })]);
      return; // never ends
    case "split": {
      sse(res);
      const whole = `: a comment\n\n${chunk({ content: "Split" })}\r\n${chunk({ content: " lines" }).replace("\n\n", "\r\n\r\n")}: keep-alive\n\n\n${USAGE}${DONE}`;
      const pieces: string[] = [];
      for (let i = 0; i < whole.length; i += 7) pieces.push(whole.slice(i, i + 7));
      await dribble(res, pieces);
      res.end();
      return;
    }
    case "errchunk":
      sse(res);
      await dribble(res, [
        chunk({ content: "Partly" }),
        `data: ${JSON.stringify({ error: { message: "out of memory" } })}\n\n`,
      ]);
      res.end();
      return;
    case "notjson":
      sse(res);
      await dribble(res, ["data: this is not json\n\n"]);
      res.end();
      return;
    case "huge":
      sse(res);
      await dribble(res, [`data: ${"x".repeat(2 * 1024 * 1024)}`]);
      res.end();
      return;
    case "reasoning":
      sse(res);
      await dribble(res, [
        chunk({ reasoning_content: "Let me think." }),
        chunk({ content: "<think>more</think>" }),
        chunk({ content: "Answer" }, "stop"),
        DONE,
      ]);
      res.end();
      return;
    case "plainjson":
      return json(res, 200, {
        id: "c1",
        object: "chat.completion",
        created: 1,
        model: FAULT_MODEL,
        choices: [{ index: 0, message: { role: "assistant", content: "Whole" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      });
    case "nousage":
      sse(res);
      await dribble(res, [chunk({ content: "No" }), chunk({ content: " usage" }, "stop"), DONE]);
      res.end();
      return;
  }
  sse(res);
  await dribble(res, [
    chunk({ role: "assistant", content: "" }),
    chunk({ content: "Hello" }),
    chunk({ content: " world" }, "stop"),
    USAGE,
    DONE,
  ]);
  res.end();
}

/** With `tls`, the server speaks https with that key and certificate. */
export async function startFaultServer(options: { tls?: { key: string; cert: string } } = {}): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const parts = (req.url ?? "/").split("?")[0]?.split("/").filter(Boolean) ?? [];
      const [scenario = "ok", , ...rest] = parts;
      const path = `/${rest.join("/")}`;
      if (scenario === "auth" && req.headers.authorization !== `Bearer ${SECRET}`) {
        return error(res, 401, "Invalid API key");
      }
      if (scenario === "redirect") {
        res.writeHead(302, { Location: `${fault.url}/ok/v1${path}` });
        res.end();
        return;
      }
      // As llama-server: /models without a context (its training context in `meta`), and /props.
      if (scenario === "llamaserver" && req.method === "GET" && parts[1] === "props") {
        return json(res, 200, { default_generation_settings: { n_ctx: WINDOW / 2 } });
      }
      if (scenario === "llamaserver" && req.method === "GET" && path === "/models") {
        return json(res, 200, {
          object: "list",
          data: [{ id: FAULT_MODEL, object: "model", meta: { n_ctx_train: WINDOW * 2 } }],
        });
      }
      if (req.method === "GET" && path === "/models") {
        const ids = scenario === "nomodels" ? ["alpha", "beta"] : [FAULT_MODEL];
        return json(res, 200, {
          object: "list",
          data: ids.map((id) => ({ id, object: "model", context_size: WINDOW })),
        });
      }
      if (req.method === "POST" && path === "/chat/completions") {
        const body = await readBody(req);
        fault.bodies.set(scenario, [...(fault.bodies.get(scenario) ?? []), body]);
        fault.hits.set(scenario, (fault.hits.get(scenario) ?? 0) + 1);
        return chat(scenario, res, fault);
      }
      error(res, 404, "not found");
    })();
  };
  const server = options.tls ? createHttpsServer(options.tls, handler) : createServer(handler);
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const fault: FaultServer = {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    bodies: new Map(),
    hits: new Map(),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fault;
}
