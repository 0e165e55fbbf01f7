/** The slash commands, described as data. Persistence commands (/save, /load) slot in here later. */
import { UsageError } from "../../errors.js";
import { sanitizeForTerminal } from "../../output/sanitize.js";
import { finish } from "../operations.js";
import { codeBlocks, copyText } from "./clipboard.js";
import { exportConversation } from "./export.js";
import { completeSet, setParam, showParams } from "./set-param.js";
import { CONVERSATION_COMMANDS } from "./conversation-commands.js";
import { MODEL_COMMANDS, showModel } from "./model-commands.js";
import { CLEAR_SCREEN, type CommandContext, type SlashCommand } from "./types.js";

const oneOf =
  (...choices: string[]) =>
  (arg: string): string[] =>
    choices.filter((c) => c.startsWith(arg));

function showSystem(ctx: CommandContext): string {
  const first = ctx.session.messages[0];
  return first?.role === "system" ? sanitizeForTerminal(first.content) : "(no system prompt)";
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
    aliases: ["?"],
    run: (_args, ctx) => ctx.dispatch({ type: "add", item: { kind: "help" } }),
  },
  {
    name: "exit",
    aliases: ["bye", "quit", "q"],
    help: "leave parley (also /bye, /quit, /q)",
    run: (_args, ctx) => ctx.exit(),
  },
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
    args: "[<param> <value>|default]",
    help: "set a sampling parameter (or stop strings) for the next replies; alone, show them",
    complete: completeSet,
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
      // The removed messages go from the screen too.
      if (ctx.showConversation) ctx.showConversation();
      else ctx.dispatch({ type: "context", used: ctx.session.contextTokens() });
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
    args: "[code [n]]",
    help: "copy the last reply, or its last code block (code 2: the one before)",
    complete: oneOf("code"),
    run: (args, ctx) => {
      const [what, nth, ...extra] = args.trim().split(/\s+/).filter(Boolean);
      const reply = lastReply(ctx);
      if (what === undefined) return ctx.print(copyText(reply, ctx.writeTerminal, "the last reply"));
      const n = nth === undefined ? 1 : Number(nth);
      if (what !== "code" || extra.length > 0 || !Number.isInteger(n) || n < 1) {
        throw new UsageError("usage: /copy, /copy code or /copy code <n> (1 is the last code block)");
      }
      const blocks = codeBlocks(reply);
      const block = blocks[blocks.length - n];
      if (block === undefined) {
        throw new UsageError(
          blocks.length === 0
            ? "the last reply has no code block"
            : `the last reply has ${blocks.length} code block${blocks.length === 1 ? "" : "s"}, not ${n}`,
        );
      }
      const name = n === 1 ? "the last code block" : `code block ${n} from the end`;
      ctx.print(copyText(block, ctx.writeTerminal, name));
    },
  },
  {
    name: "edit",
    help: "write the message in $VISUAL or $EDITOR (also Ctrl+X Ctrl+E)",
    run: (_args, ctx) => {
      if (!ctx.editInput) throw new UsageError("an editor cannot be opened here");
      ctx.editInput();
    },
  },
  {
    name: "file",
    args: "<path>",
    help: "attach a text file to the next message (also @path in a message)",
    run: (args, ctx) => {
      const path = args.trim();
      if (!path) throw new UsageError("usage: /file <path> (or write @path in a message)");
      if (!ctx.attach) throw new UsageError("files cannot be attached here");
      ctx.attach(path);
    },
  },
  {
    name: "export",
    args: "<file> [--force]",
    help: "write the conversation: .json (for --messages) or Markdown; --force replaces a file",
    run: (args, ctx) => {
      const file = args.trim();
      if (!file) throw new UsageError("usage: /export <file> [--force]");
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
      ctx.redraw?.();
      ctx.print(`reasoning: ${arg === "show" ? "shown" : "collapsed"}`);
    },
  },
  ...CONVERSATION_COMMANDS,
  ...MODEL_COMMANDS,
];

export function findCommand(name: string): SlashCommand | undefined {
  return COMMANDS.find((c) => c.name === name || (c.aliases?.includes(name) ?? false));
}
