/**
 * Turning `hf:` references into download URLs the way node-llama-cpp does: the hub's manifest API
 * (`GET <endpoint>/v2/<user>/<repo>/manifests/<quant>`, which names the GGUF file of a quantization)
 * and file URLs `<endpoint>/<user>/<repo>/resolve/<branch>/<file>`. The endpoint honours
 * node-llama-cpp's own overrides, MODEL_ENDPOINT and HF_ENDPOINT. The manifest's `lfs.sha256`, when
 * it has one, is the file's checksum.
 */
import { basename } from "node:path";
import { ModelError } from "../errors.js";
import { fetchFollowing, readSmallBody } from "./http.js";
import type { ModelRef } from "./refs.js";
import { safeFileName } from "./refs.js";

type HfRef = Extract<ModelRef, { kind: "hf" }>;

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  for (const value of [env.MODEL_ENDPOINT, env.HF_ENDPOINT]) {
    if (value === undefined || !/^https?:\/\//i.test(value)) continue;
    return value.endsWith("/") ? value : `${value}/`;
  }
  return "https://huggingface.co/";
}

/** The Authorization header for the hub, from HF_TOKEN, when one is set. */
export function hubHeaders(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return env.HF_TOKEN ? { authorization: `Bearer ${env.HF_TOKEN}` } : {};
}

const enc = (part: string): string => encodeURIComponent(part);

function fileUrl(ref: HfRef, path: string, branch = "main"): string {
  return `${hubEndpoint()}${enc(ref.user)}/${enc(ref.repo)}/resolve/${enc(branch)}/${path.split("/").map(enc).join("/")}`;
}

function isSplit(file: string): boolean {
  return /-\d{5}-of-\d{5}\.gguf$/i.test(file);
}

/** The URL and local file name of an `hf:` reference; asks the hub when the reference names a quantization. */
export async function resolveHubRef(
  ref: HfRef,
  signal?: AbortSignal,
  timeoutMs?: number,
): Promise<{ url: string; file: string; sha256?: string }> {
  if (ref.file !== undefined) {
    const [path = "", branch] = ref.file.split("#");
    if (isSplit(path))
      throw new ModelError(`cannot download ${ref.ref}: models split into several files are not supported yet`);
    return { url: fileUrl(ref, path, branch || "main"), file: safeFileName(basename(path)) };
  }
  const tag = ref.quant ?? "latest";
  const manifest = `${hubEndpoint()}v2/${enc(ref.user)}/${enc(ref.repo)}/manifests/${enc(tag)}`;
  let response: Response;
  try {
    // The hub names the GGUF file in its answer only to llama.cpp's user agent.
    ({ response } = await fetchFollowing(manifest, {
      headers: { "user-agent": "llama-cpp", accept: "application/json", ...hubHeaders() },
      what: ref.ref,
      ...(signal ? { signal } : {}),
      ...(timeoutMs !== undefined ? { headMs: timeoutMs } : {}),
    }));
  } catch (err) {
    if (err instanceof ModelError || signal?.aborted) throw err;
    throw new ModelError(`cannot download ${ref.ref}: ${new URL(manifest).host} cannot be reached`);
  }
  if (response.status === 404 || response.status === 400) {
    await response.body?.cancel();
    throw new ModelError(`cannot download ${ref.ref}: the hub has no such model or quantization`);
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new ModelError(`cannot download ${ref.ref}: the hub refused access (a gated model needs HF_TOKEN)`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ModelError(`cannot download ${ref.ref}: the hub answered ${response.status}`);
  }
  const text = await readSmallBody(response, ref.ref, undefined, timeoutMs);
  let entry: { rfilename?: unknown; lfs?: { sha256?: unknown } } | undefined;
  try {
    entry = (JSON.parse(text) as { ggufFile?: typeof entry }).ggufFile;
  } catch {
    entry = undefined;
  }
  const name = entry?.rfilename;
  if (typeof name !== "string" || !/\.gguf$/i.test(name)) {
    throw new ModelError(`cannot download ${ref.ref}: the hub did not name a GGUF file for it`);
  }
  if (isSplit(name))
    throw new ModelError(`cannot download ${ref.ref}: models split into several files are not supported yet`);
  const sha = entry?.lfs?.sha256;
  return {
    url: fileUrl(ref, name),
    file: safeFileName(basename(name)),
    ...(typeof sha === "string" && /^[0-9a-f]{64}$/i.test(sha) ? { sha256: sha.toLowerCase() } : {}),
  };
}
