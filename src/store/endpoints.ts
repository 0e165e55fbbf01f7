/**
 * Named endpoints: OpenAI-compatible servers a person uses by name (`-m gpu:model-id`), kept in
 * a small JSON file replaced atomically under a lock. A key's value is never written here: only
 * the name of the environment variable that holds it.
 */
import { parseJsonText } from "../chat/messages.js";
import { UsageError } from "../errors.js";
import { didYouMean } from "../settings/keys.js";
import { readTextIfExists, withFileLock, writeFileAtomic } from "./files.js";
import { parleyPaths } from "./paths.js";

export interface Endpoint {
  name: string;
  /** The API's base URL, e.g. http://gpu-box:8000/v1. */
  url: string;
  /** The environment variable that holds the key. */
  apiKeyEnv?: string;
  /** The context size to assume when the server does not say. */
  contextSize?: number;
  created: string;
}

/**
 * Two characters at least (so `C:\model.gguf` is never an endpoint), letters, digits, '.', '_'
 * or '-'; `hf`, `http` and `https` name other things.
 */
export const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;
const RESERVED = new Set(["hf", "http", "https", "file"]);
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export function endpointsFilePath(): string {
  return parleyPaths().endpointsFile;
}

export function checkEndpointName(name: string): string {
  if (!ENDPOINT_NAME.test(name) || RESERVED.has(name.toLowerCase())) {
    throw new UsageError(
      `invalid endpoint name ${JSON.stringify(name)} (expected 2 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit; not hf, http, https or file)`,
    );
  }
  return name;
}

/** A base URL: http or https, no credentials in it, no trailing slash. */
export function checkBaseUrl(text: string, where = "the URL"): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${where} ${JSON.stringify(text)} is not a URL (e.g. http://127.0.0.1:8080/v1)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`${where} must start with http:// or https://`);
  if (url.username !== "" || url.password !== "")
    throw new UsageError(
      `${where} must not hold a user name or key: put the key in a variable and name it with --api-key-env`,
    );
  if (url.search !== "" || url.hash !== "") throw new UsageError(`${where} must not have a query or a fragment`);
  return url.href.replace(/\/+$/, "");
}

export function checkEnvName(name: string): string {
  if (!ENV_NAME.test(name))
    throw new UsageError(`invalid environment variable name ${JSON.stringify(name)} (letters, digits and '_')`);
  return name;
}

function fixHint(path: string): string {
  return `fix ${path} by hand or delete it to start over`;
}

function checkEntry(name: string, value: unknown, path: string): Endpoint {
  const where = `endpoint "${name}" in ${path}`;
  try {
    checkEndpointName(name);
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new UsageError(`${where} must be an object`);
    const v = value as Record<string, unknown>;
    if (typeof v.url !== "string") throw new UsageError(`${where} has no "url"`);
    const out: Endpoint = {
      name,
      url: checkBaseUrl(v.url, `${where}: its url`),
      created: typeof v.created === "string" ? v.created : "",
    };
    if (v.apiKeyEnv !== undefined) {
      if (typeof v.apiKeyEnv !== "string") throw new UsageError(`${where}: "apiKeyEnv" must be a variable name`);
      out.apiKeyEnv = checkEnvName(v.apiKeyEnv);
    }
    if (v.contextSize !== undefined) {
      if (typeof v.contextSize !== "number" || !Number.isInteger(v.contextSize) || v.contextSize < 16)
        throw new UsageError(`${where}: "contextSize" must be a whole number of tokens, at least 16`);
      out.contextSize = v.contextSize;
    }
    return out;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(`${err.message}; ${fixHint(path)}`);
  }
}

/** Every endpoint, by name; none when the file does not exist. */
export function readEndpoints(path = endpointsFilePath()): Map<string, Endpoint> {
  const text = readTextIfExists(path);
  const out = new Map<string, Endpoint>();
  if (text === undefined) return out;
  let value: unknown;
  try {
    value = parseJsonText(text, `endpoints file ${path}`);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(`${err.message}; ${fixHint(path)}`);
  }
  const entries = (value as { endpoints?: unknown } | null)?.endpoints;
  if (typeof entries !== "object" || entries === null || Array.isArray(entries))
    throw new UsageError(`endpoints file ${path} must hold {"endpoints": {...}}; ${fixHint(path)}`);
  for (const name of Object.keys(entries).sort()) {
    out.set(name, checkEntry(name, (entries as Record<string, unknown>)[name], path));
  }
  return out;
}

/** The endpoint called `name`, or a usage error listing the known ones. */
export function getEndpoint(name: string, path = endpointsFilePath()): Endpoint {
  const all = readEndpoints(path);
  const found = all.get(name);
  if (found) return found;
  const known = [...all.keys()];
  throw new UsageError(
    known.length > 0
      ? `no endpoint "${name}"${didYouMean(name, known)} (known endpoints: ${known.join(", ")})`
      : `no endpoint "${name}": add one with "parley endpoints add ${name} <url>"`,
  );
}

function writeEndpoints(all: Map<string, Endpoint>, path: string): void {
  const body: Record<string, unknown> = {};
  for (const e of all.values()) {
    body[e.name] = {
      url: e.url,
      ...(e.apiKeyEnv !== undefined ? { apiKeyEnv: e.apiKeyEnv } : {}),
      ...(e.contextSize !== undefined ? { contextSize: e.contextSize } : {}),
      created: e.created,
    };
  }
  writeFileAtomic(path, `${JSON.stringify({ version: 1, endpoints: body }, undefined, 2)}\n`);
}

/** Adds an endpoint; refuses to replace one unless `overwrite`. */
export function addEndpoint(entry: Omit<Endpoint, "created">, overwrite = false, path = endpointsFilePath()): Endpoint {
  checkEndpointName(entry.name);
  const checked: Endpoint = { ...entry, url: checkBaseUrl(entry.url), created: new Date().toISOString() };
  if (entry.apiKeyEnv !== undefined) checkEnvName(entry.apiKeyEnv);
  return withFileLock(path, () => {
    const all = readEndpoints(path);
    if (all.has(entry.name) && !overwrite)
      throw new UsageError(`endpoint "${entry.name}" already exists; remove it first or add --force`);
    all.set(entry.name, checked);
    writeEndpoints(all, path);
    return checked;
  });
}

export function removeEndpoint(name: string, path = endpointsFilePath()): void {
  withFileLock(path, () => {
    const all = readEndpoints(path);
    getEndpoint(name, path);
    all.delete(name);
    writeEndpoints(all, path);
  });
}
