/**
 * Where parley keeps its files. `PARLEY_HOME` puts everything under one folder; otherwise the
 * platform's config and data folders are used (XDG on Linux, Library on macOS, AppData on Windows).
 */
import { homedir } from "node:os";
import { posix, resolve, win32 } from "node:path";

export interface ParleyPaths {
  /** `PARLEY_HOME` when it is set, made absolute. */
  home: string | undefined;
  /** The folder of the config and preset files. */
  config: string;
  configFile: string;
  presetsFile: string;
  /** The folder of everything parley writes as it runs. */
  data: string;
  /** One JSONL file per conversation. */
  conversations: string;
  /** The prompt input history file. */
  inputHistory: string;
  models: string;
  /** Saved context states beside conversations, for instant resume. */
  snapshots: string;
}

export interface PathsEnvironment {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

const APP = "parley";

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
  const parleyHome = env.PARLEY_HOME !== undefined && env.PARLEY_HOME !== "" ? resolve(env.PARLEY_HOME) : undefined;
  const [config, data] = parleyHome ? [parleyHome, parleyHome] : platformDirs(env, platform, options.home ?? homedir());
  return {
    home: parleyHome,
    config,
    configFile: path.join(config, "config.json"),
    presetsFile: path.join(config, "presets.json"),
    data,
    conversations: path.join(data, "conversations"),
    inputHistory: path.join(data, "input-history.jsonl"),
    models: path.join(data, "models"),
    snapshots: path.join(data, "snapshots"),
  };
}
