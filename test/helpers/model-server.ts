/**
 * A real HTTP server on 127.0.0.1 that serves model files for download tests: HEAD, GET and byte
 * ranges, plus the two routes node-llama-cpp uses for `hf:` references (the manifest API and
 * `/<user>/<repo>/resolve/<branch>/<file>`). Each file can misbehave on purpose.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ServedFile {
  body: Buffer;
  /** Answer with this status instead of the file. */
  status?: number;
  /** Cut the connection after sending this many bytes of the body, for the next `cutTimes` GETs. */
  cutAfter?: number;
  cutTimes?: number;
  /** Send the body in pieces of this size, waiting `pauseMs` between pieces (to watch progress). */
  pieceSize?: number;
  pauseMs?: number;
  /** Hold every GET until `release()` is called. */
  hold?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  range?: string;
  userAgent?: string;
}

export interface ModelServer {
  url: string;
  files: Map<string, ServedFile>;
  /** `hf:<user>/<repo>:<tag>` → the file name in that repo the manifest names. */
  manifests: Map<string, string>;
  requests: RequestRecord[];
  /** Path → a handler that answers instead of the routes above (redirects, odd manifests...). */
  routes: Map<string, (req: IncomingMessage, res: ServerResponse) => void>;
  release(): void;
  close(): Promise<void>;
}

function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header ?? "");
  if (!m) return undefined;
  const start = m[1] === "" ? size - Number(m[2]) : Number(m[1]);
  const end = m[2] === "" || m[1] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start <= end && start < size ? [start, end] : undefined;
}

export async function startModelServer(): Promise<ModelServer> {
  const files = new Map<string, ServedFile>();
  const manifests = new Map<string, string>();
  const requests: RequestRecord[] = [];
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  let waiting: (() => void)[] = [];
  let released = false;
  const sockets = new Set<Socket>();

  const serveFile = async (req: IncomingMessage, res: ServerResponse, file: ServedFile): Promise<void> => {
    if (file.status !== undefined) {
      res.writeHead(file.status, { "content-type": "text/plain" }).end("no such file\n");
      return;
    }
    const size = file.body.length;
    const range = parseRange(req.headers.range, size);
    const [start, end] = range ?? [0, size - 1];
    const headers: Record<string, string | number> = {
      "accept-ranges": "bytes",
      "content-type": "application/octet-stream",
      "content-length": end - start + 1,
      etag: `"${size}"`,
    };
    if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    res.flushHeaders();
    if (file.hold && !released) await new Promise<void>((r) => waiting.push(r));
    let cut: number | undefined;
    if (file.cutAfter !== undefined && (file.cutTimes ?? 0) > 0) {
      file.cutTimes = (file.cutTimes ?? 0) - 1;
      cut = Math.max(0, file.cutAfter - start);
    }
    const piece = file.pieceSize ?? 1 << 16;
    for (let at = start; at <= end; at += piece) {
      const stop = Math.min(at + piece, end + 1);
      if (cut !== undefined && at - start + (stop - at) > cut) {
        res.write(file.body.subarray(at, at + Math.max(0, cut - (at - start))));
        await new Promise((r) => setTimeout(r, 20));
        req.socket.destroy();
        return;
      }
      const ok = res.write(file.body.subarray(at, stop));
      if (!ok) await new Promise((r) => res.once("drain", r));
      if (file.pauseMs) await new Promise((r) => setTimeout(r, file.pauseMs));
      if (res.destroyed) return;
    }
    res.end();
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers["user-agent"] ? { userAgent: req.headers["user-agent"] } : {}),
    });
    const route = routes.get(url.pathname);
    if (route) {
      route(req, res);
      return;
    }
    const manifest = /^\/v2\/([^/]+)\/([^/]+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (manifest) {
      const key = `${decodeURIComponent(manifest[1] ?? "")}/${decodeURIComponent(manifest[2] ?? "")}:${decodeURIComponent(manifest[3] ?? "")}`;
      const name = manifests.get(key);
      if (!name) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ggufFile: { rfilename: name } }));
      return;
    }
    const resolvePath = /^\/([^/]+)\/([^/]+)\/resolve\/[^/]+\/(.+)$/.exec(url.pathname);
    const key = resolvePath ? `/${resolvePath[1]}/${resolvePath[2]}/${resolvePath[3]}` : url.pathname;
    const file = files.get(decodeURIComponent(key));
    if (!file) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    serveFile(req, res, file).catch(() => req.socket.destroy());
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    manifests,
    requests,
    routes,
    release() {
      released = true;
      for (const w of waiting) w();
      waiting = [];
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
