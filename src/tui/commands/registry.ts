/** The slash commands, described as data. Persistence commands (/save, /load) slot in here later. */
import { PARAM_SPECS, findParamSpec, parseParamValue, type SamplingParams } from "../../chat/params.js";
import { UsageError } from "../../errors.js";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import { finish } from "../operations.js";
import { exportConversation, osc52 } from "./export.js";
import { CONVERSATION_COMMANDS } from "./conversation-commands.js";
import { CLEAR_SCREEN, type CommandContext, type SlashCommand } from "./types.js";

const oneOf =
  (...choices: string[]) =>
  (arg: string): string[] =>
    choices.filter((c) => c.startsWith(arg));

function showValue(value: SamplingParams[keyof SamplingParams]): string {
  if (value === undefined) return "none";
  return Array.isArray(value)
    ? value.length
      ? value.map((s) => JSON.stringify(s)).join(", ")
      : "none"
    : String(value);
}

function showParams(ctx: CommandContext): string {
  const from = (key: string): string => {
    const setting = ctx.session.settings.setting(key);
    return `  (${setting.source === "preset" || setting.source === "conversation" ? setting.label : setting.source})`;
  };
  const params = ctx.session.params;
  const lines = PARAM_SPECS.map((s) => `${s.flag.padEnd(18)} ${showValue(params[s.key])}${from(s.flag)}`);
  lines.push(`${"stop".padEnd(18)} ${showValue(params.stop)}${from("stop")}`);
  return lines.join("\n");
}

function showModel(ctx: CommandContext): string {
  const i = ctx.info;
  return [
    `model      ${i.name}`,
    `template   ${i.template}`,
    `backend    ${i.backend}`,
    `context    ${i.contextSize} tokens${i.trainContextSize ? ` (trained on ${i.trainContextSize})` : ""}`,
    ...(i.threads !== undefined ? [`threads    ${i.threads}`] : []),
  ].join("\n");
}

function showSystem(ctx: CommandContext): string {
  const first = ctx.session.messages[0];
  return first?.role === "system" ? sanitizeForTerminal(first.content) : "(no system prompt)";
}

function setParam(args: string, ctx: CommandContext): void {
  const [name, ...rest] = args.trim().split(/\s+/);
  const raw = rest.join(" ");
  if (!name || !raw) throw new UsageError("usage: /set <param> <value>");
  const spec = findParamSpec(name);
  if (!spec) {
    throw new UsageError(`unknown parameter "${name}" (one of: ${PARAM_SPECS.map((s) => s.flag).join(", ")})`);
  }
  const clearable = spec.key === "seed" || spec.key === "maxTokens";
  const value = clearable && raw === "none" ? null : parseParamValue(spec, raw, `/set ${spec.flag}`);
  ctx.session.set(spec.flag, value);
  ctx.print(`${spec.flag} = ${showValue(value ?? undefined)} (from the next reply)`);
}

function lastReply(ctx: CommandContext): string {
  const last = [...ctx.session.messages].reverse().find((m) => m.role === "assistant");
  if (!last) throw new UsageError("no reply to copy yet");
  return last.content;
}

export const COMMANDS: readonly SlashCommand[] = [
  {
    name: "help",
    help: "list the commands and keys",
    run: (_args, ctx) => ctx.print(helpText()),
  },
  { name: "exit", help: "leave parley", run: (_args, ctx) => ctx.exit() },
  {
    name: "clear",
    help: "start a new conversation (the system prompt stays)",
    run: (_args, ctx) => {
      ctx.session.clear();
      ctx.writeTerminal(CLEAR_SCREEN);
      ctx.dispatch({ type: "clear" });
      ctx.dispatch({ type: "context", used: ctx.session.contextTokens() });
      ctx.print("new conversation");
    },
  },
  {
    name: "system",
    args: "[text]",
    help: "show the system prompt, or set it",
    run: (args, ctx) => {
      if (args.trim() === "") return ctx.print(showSystem(ctx));
      ctx.session.setSystem(args.trim());
      ctx.dispatch({ type: "context", used: ctx.session.contextTokens() });
      ctx.print("system prompt set");
    },
  },
  {
    name: "set",
    args: "<param> <value>",
    help: "set a sampling parameter for the next replies",
    complete: (arg) => (arg.includes(" ") ? [] : PARAM_SPECS.map((s) => s.flag).filter((f) => f.startsWith(arg))),
    run: setParam,
  },
  {
    name: "show",
    args: "[params|model|system]",
    help: "show the sampling parameters, the model or the system prompt",
    complete: oneOf("params", "model", "system"),
    run: (args, ctx) => {
      const what = args.trim() || "params";
      if (what === "params") return ctx.print(showParams(ctx));
      if (what === "model") return ctx.print(showModel(ctx));
      if (what === "system") return ctx.print(showSystem(ctx));
      throw new UsageError(`/show ${what}: expected params, model or system`);
    },
  },
  { name: "retry", help: "write the last reply again", run: (_args, ctx) => ctx.startReply("retry") },
  {
    name: "undo",
    help: "drop the last exchange",
    run: async (_args, ctx) => {
      const done = await finish(ctx.session.undo(), (notice) => ctx.print(notice.text));
      const removed = done.removed?.length ?? 0;
      ctx.dispatch({ type: "context", used: ctx.session.contextTokens() });
      ctx.print(`removed ${removed} message${removed === 1 ? "" : "s"}`);
    },
  },
  {
    name: "continue",
    help: "go on with a reply that was stopped or cut at the token limit",
    run: (_args, ctx) => ctx.startReply("continue"),
  },
  {
    name: "copy",
    help: "copy the last reply to the clipboard (OSC 52)",
    run: (_args, ctx) => {
      const text = lastReply(ctx);
      ctx.writeTerminal(osc52(text));
      ctx.print(`copied ${text.length} characters`);
    },
  },
  {
    name: "export",
    args: "<file>",
    help: "write the conversation: .json (for --messages) or Markdown",
    run: (args, ctx) => {
      const file = args.trim();
      if (!file) throw new UsageError("usage: /export <file>");
      const { path, format } = exportConversation(ctx.session.messages, file, ctx.cwd);
      ctx.print(`exported ${ctx.session.messages.length} messages as ${format} to ${path}`);
    },
  },
  {
    name: "stats",
    help: "token counts and speed of the last reply",
    run: (_args, ctx) => ctx.print(ctx.lastStats() ?? "no reply yet"),
  },
  {
    name: "markdown",
    args: "on|off",
    help: "render replies as Markdown, or show raw text",
    complete: oneOf("on", "off"),
    run: (args, ctx) => {
      const arg = args.trim();
      const on = arg === "" ? !ctx.markdown : arg === "on" ? true : arg === "off" ? false : undefined;
      if (on === undefined) throw new UsageError("usage: /markdown on|off");
      ctx.dispatch({ type: "markdown", on });
      ctx.print(`markdown ${on ? "on" : "off"}`);
    },
  },
  {
    name: "reasoning",
    args: "show|hide",
    help: "show reasoning in full, or collapsed to one line",
    complete: oneOf("show", "hide"),
    run: (args, ctx) => {
      const arg = args.trim();
      if (arg !== "show" && arg !== "hide") throw new UsageError("usage: /reasoning show|hide");
      ctx.dispatch({ type: "reasoning-view", show: arg === "show" });
      ctx.print(`reasoning: ${arg === "show" ? "shown" : "collapsed"}`);
    },
  },
  ...CONVERSATION_COMMANDS,
];

export function helpText(): string {
  const rows = COMMANDS.map((c) => `/${`${c.name} ${c.args ?? ""}`.trim().padEnd(24)} ${c.help}`);
  return [
    ...rows,
    "",
    "Enter send · Alt+Enter, Ctrl+J or a trailing \\ newline · Up/Down history · Tab complete",
    "Esc or Ctrl+C stop a reply · Ctrl+C clear the input, twice to exit · Ctrl+D exit",
  ].join("\n");
}

export function findCommand(name: string): SlashCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}
