/** What kind of thing a model reference names, decided from its text alone. */
import { homedir } from "node:os";
import { basename, isAbsolute, resolve } from "node:path";
import { UsageError } from "../errors.js";

export type ModelRef =
  | { kind: "path"; path: string }
  /** A file name, a name without `.gguf`, or an alias. */
  | { kind: "name"; name: string }
  | { kind: "hf"; ref: string; user: string; repo: string; quant?: string; file?: string }
  | { kind: "url"; url: string; file: string };

function expandHome(text: string): string {
  if (text === "~") return homedir();
  if (text.startsWith("~/")) return resolve(homedir(), text.slice(2));
  return text;
}

/** Control characters (C0, DEL, C1) and the line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A file name a download may be saved as: no folders, no hidden names, no control characters
 * (C0, DEL, C1) nor characters other systems forbid, ends in `.gguf`.
 */
export function safeFileName(name: string): string {
  const cleaned = [...name]
    .map((ch) => (CONTROL.test(ch) || '\\/:*?"<>|'.includes(ch) ? "_" : ch))
    .join("")
    .replace(/^\.+/, "")
    .trim();
  if (cleaned === "") throw new UsageError(`cannot make a file name from "${name}"`);
  return /\.gguf$/i.test(cleaned) ? cleaned : `${cleaned}.gguf`;
}

function parseHf(ref: string): ModelRef {
  if (CONTROL.test(ref)) throw new UsageError("the Hugging Face reference contains a control character");
  const body = ref.replace(/^hf:(\/\/)?/i, "");
  const parts = body.split("/");
  const [user, repoPart, ...rest] = parts;
  const bad = (): UsageError =>
    new UsageError(
      `"${ref}" is not a Hugging Face reference: use hf:<user>/<repo>:<quant> or hf:<user>/<repo>/<file>.gguf`,
    );
  if (!user || !repoPart) throw bad();
  if (rest.length === 0) {
    const [repo, quant, ...more] = repoPart.split(":");
    if (!repo || more.length > 0 || quant === "") throw bad();
    return {
      kind: "hf",
      ref: `hf:${user}/${repo}${quant ? `:${quant}` : ""}`,
      user,
      repo,
      ...(quant ? { quant } : {}),
    };
  }
  const file = rest.join("/");
  if (!/\.gguf(#.*)?$/i.test(file) || repoPart.includes(":")) throw bad();
  return { kind: "hf", ref: `hf:${user}/${repoPart}/${file}`, user, repo: repoPart, file };
}

function parseUrl(ref: string): ModelRef {
  let url: URL;
  try {
    url = new URL(ref);
  } catch {
    throw new UsageError(`"${ref}" is not a valid URL`);
  }
  let last: string;
  try {
    last = decodeURIComponent(url.pathname.split("/").pop() ?? "");
  } catch {
    throw new UsageError(
      `the URL "${ref}" has a bad percent-encoding (a % not followed by two hexadecimal digits of UTF-8)`,
    );
  }
  if (!/\.gguf$/i.test(last)) {
    throw new UsageError(`the URL "${ref}" does not name a .gguf file`);
  }
  return { kind: "url", url: url.href, file: safeFileName(basename(last)) };
}

export function parseModelRef(text: string): ModelRef {
  const ref = text.trim();
  if (ref === "") throw new UsageError("the model reference is empty");
  if (/^hf:/i.test(ref)) return parseHf(ref);
  if (/^https?:\/\//i.test(ref)) return parseUrl(ref);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) {
    throw new UsageError(`"${ref}": only https:// (or http://) URLs, hf: references and local files can name a model`);
  }
  const expanded = expandHome(ref);
  if (isAbsolute(expanded) || expanded.startsWith("./") || expanded.startsWith("../") || /[\\/]/.test(expanded)) {
    return { kind: "path", path: resolve(expanded) };
  }
  return { kind: "name", name: ref };
}

/** Whether getting this reference may need the network. */
export function isRemote(ref: ModelRef): ref is Extract<ModelRef, { kind: "hf" | "url" }> {
  return ref.kind === "hf" || ref.kind === "url";
}
