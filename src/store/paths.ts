/**
 * Where parley keeps its files. `PARLEY_HOME` puts everything under one folder; otherwise the
 * platform's config and data folders are used (XDG on Linux, Library on macOS, AppData on Windows).
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, posix, resolve, win32 } from "node:path";

export interface ParleyPaths {
  /** `PARLEY_HOME` when it is set, made absolute. */
  home: string | undefined;
  /** The folder of the config and preset files. */
  config: string;
  configFile: string;
  presetsFile: string;
  /** Named OpenAI-compatible servers (`parley endpoints`); never a key's value. */
  endpointsFile: string;
  /** The folder of everything parley writes as it runs. */
  data: string;
  /** One JSONL file per conversation. */
  conversations: string;
  /** The prompt input history file. */
  inputHistory: string;
  models: string;
  /** Saved context states beside conversations, for instant resume. */
  snapshots: string;
  /** Which built-in chat template each model file uses (`--template auto`), so it is not worked out again. */
  templates: string;
  /** Which llama.cpp binaries passed node-llama-cpp's test on this machine, so it runs once. */
  binaryTests: string;
}

export interface PathsEnvironment {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

const APP = "parley";

/**
 * `~` and `~/...` (also `~\\...` on Windows) as the user's home folder, the way a shell would
 * expand them; every other path, `~user/...` included, is returned unchanged.
 */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === "~") return home;
  if (path.startsWith("~/") || (process.platform === "win32" && path.startsWith("~\\"))) {
    return `${home.replace(/[\\/]+$/, "")}${path.slice(1)}`;
  }
  return path;
}

/**
 * Why a file or folder cannot be used, in words: "no such file", "permission denied"... `kind`
 * names what the path was meant to be. Never an error code or an exception's name.
 */
export function fileErrorText(err: unknown, kind: "file" | "folder" = "file"): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return `no such ${kind}`;
  return (code !== undefined ? FILE_ERRORS[code] : undefined) ?? `the ${kind} cannot be used`;
}

const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "it is a folder, not a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EEXIST: "it already exists",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EFBIG: "the file is too large",
  EIO: "an input/output error occurred",
  EROFS: "the disk is read-only",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many symbolic links",
  EBUSY: "it is in use",
};

/** Why `path` cannot be read, as "cannot read <what> <path>: <reason>". */
export function readErrorText(what: string, path: string, err: unknown): string {
  return `cannot read ${what} ${path}: ${fileErrorText(err)}`;
}

/** Why a file cannot be written at `path`; a missing folder is named ("no such folder: /x/y"). */
export function writeErrorText(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return `cannot write ${path}: no such folder: ${dirname(path)}`;
  return `cannot write ${path}: ${fileErrorText(err)}`;
}

/** An XDG variable counts only when it holds an absolute path. */
function xdg(value: string | undefined, fallback: string): string {
  return value !== undefined && posix.isAbsolute(value) ? value : fallback;
}

function platformDirs(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): [string, string] {
  if (platform === "win32") {
    const roaming = env.APPDATA ?? win32.join(home, "AppData", "Roaming");
    const local = env.LOCALAPPDATA ?? win32.join(home, "AppData", "Local");
    return [win32.join(roaming, APP), win32.join(local, APP)];
  }
  if (platform === "darwin") {
    return [posix.join(home, "Library", "Preferences", APP), posix.join(home, "Library", "Application Support", APP)];
  }
  return [
    posix.join(xdg(env.XDG_CONFIG_HOME, posix.join(home, ".config")), APP),
    posix.join(xdg(env.XDG_DATA_HOME, posix.join(home, ".local", "share")), APP),
  ];
}

/** Every location parley uses; pure, so it can be asked about any platform. */
export function parleyPaths(options: PathsEnvironment = {}): ParleyPaths {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const path = platform === "win32" ? win32 : posix;
  const parleyHome =
    env.PARLEY_HOME !== undefined && env.PARLEY_HOME !== ""
      ? resolve(expandHome(env.PARLEY_HOME, options.home ?? homedir()))
      : undefined;
  const [config, data] = parleyHome ? [parleyHome, parleyHome] : platformDirs(env, platform, options.home ?? homedir());
  return {
    home: parleyHome,
    config,
    configFile: path.join(config, "config.json"),
    presetsFile: path.join(config, "presets.json"),
    endpointsFile: path.join(config, "endpoints.json"),
    data,
    conversations: path.join(data, "conversations"),
    inputHistory: path.join(data, "input-history.jsonl"),
    models: path.join(data, "models"),
    snapshots: path.join(data, "snapshots"),
    templates: path.join(data, "templates.json"),
    binaryTests: path.join(data, "binary-tests.json"),
  };
}

/**
 * A system error (one with an error code, from the file system) in words: "cannot use /x/y:
 * permission denied"; undefined for any other error.
 */
export function systemErrorText(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  if (typeof e?.code !== "string" || !/^E[A-Z]+$/.test(e.code)) return undefined;
  const where = typeof e.path === "string" ? ` ${e.path}` : "";
  return `cannot use${where}: ${fileErrorText(err)}`;
}

/** Writes all of `text`: a short write (a full disk, a size limit) goes on until it fails, never stops quietly. */
export function writeAllSync(fd: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
}

/**
 * Replaces a file's contents all at once: the text goes to a hidden temporary file beside it,
 * which is flushed and renamed over the old one, so a reader sees the old file or the new one,
 * never half. On failure the temporary file is removed and the error thrown as it is.
 */
export function replaceWhole(path: string, text: string, mode: number): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", mode);
    writeAllSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
}
