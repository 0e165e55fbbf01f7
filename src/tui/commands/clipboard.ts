/**
 * Copying text: through the system's clipboard tool when there is one, else by asking the
 * terminal (OSC 52), which some terminals refuse without saying so. The result says which.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { osc52 } from "./export.js";

interface Tool {
  command: string;
  args: string[];
  /** Whether this tool can work in this session (a display to talk to). */
  usable(env: NodeJS.ProcessEnv): boolean;
}

const TOOLS: readonly Tool[] = [
  { command: "pbcopy", args: [], usable: () => process.platform === "darwin" },
  { command: "wl-copy", args: [], usable: (env) => Boolean(env.WAYLAND_DISPLAY) },
  { command: "xclip", args: ["-selection", "clipboard"], usable: (env) => Boolean(env.DISPLAY) },
  { command: "xsel", args: ["--clipboard", "--input"], usable: (env) => Boolean(env.DISPLAY) },
  { command: "clip.exe", args: [], usable: () => true },
];

function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, command);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** The clipboard tool this session would use, if any. */
export function findClipboardTool(env: NodeJS.ProcessEnv = process.env): { tool: Tool; path: string } | undefined {
  for (const tool of TOOLS) {
    if (!tool.usable(env)) continue;
    const path = onPath(tool.command, env);
    if (path) return { tool, path };
  }
  return undefined;
}

/** Copies `text`; returns the sentence that says what happened. */
export function copyText(text: string, writeTerminal: (sequence: string) => void, what: string): string {
  const found = findClipboardTool();
  if (found) {
    // The tool may stay behind to serve the selection (xclip, wl-copy): its output is not waited on.
    const result = spawnSync(found.path, found.tool.args, {
      input: text,
      stdio: ["pipe", "ignore", "ignore"],
      timeout: 5000,
    });
    if (!result.error && result.status === 0) {
      return `copied ${what} (${text.length} characters) to the clipboard with ${found.tool.command}`;
    }
  }
  writeTerminal(osc52(text));
  return (
    `sent ${what} (${text.length} characters) to the terminal's clipboard (OSC 52); ` +
    `no clipboard tool was found, and some terminals block this: if nothing was copied, use /export`
  );
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** The fenced code blocks of a Markdown text, in order, without their fences. */
export function codeBlocks(text: string): string[] {
  const blocks: string[] = [];
  let open: string | undefined;
  let lines: string[] = [];
  for (const line of text.split("\n")) {
    const fence = FENCE.exec(line);
    if (open === undefined) {
      if (fence) {
        open = fence[1] ?? "```";
        lines = [];
      }
    } else if (fence && (fence[1] ?? "").startsWith(open) && (fence[2] ?? "").trim() === "") {
      blocks.push(lines.join("\n"));
      open = undefined;
    } else {
      lines.push(line);
    }
  }
  if (open !== undefined && lines.length > 0) blocks.push(lines.join("\n"));
  return blocks;
}
