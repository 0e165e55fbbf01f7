/** Slash commands for saved conversations and presets. */
import { UsageError } from "../../errors.js";
import { listConversations, presetNames } from "../../core/index.js";
import { finish } from "../operations.js";
import { showMessages } from "../show-messages.js";
import { continuable } from "../hooks/use-chat.js";
import { CLEAR_SCREEN, type CommandContext, type SlashCommand } from "./types.js";

function startsWith(candidates: () => string[]): (arg: string) => string[] {
  return (arg) => {
    try {
      return candidates().filter((c) => c.startsWith(arg));
    } catch {
      return [];
    }
  };
}

function when(iso: string): string {
  return iso.replace("T", " ").slice(0, 16);
}

/** The latest saved conversations, one line each; `*` marks the one in use. */
function savedList(ctx: CommandContext, limit = 10): string {
  const rows = listConversations().slice(0, limit);
  if (rows.length === 0) return "no saved conversations";
  const current = ctx.session.id;
  return rows
    .map((c) => {
      const mark = c.id === current ? "*" : " ";
      const title = c.damaged ? `(damaged: ${c.damaged})` : c.title;
      return `${mark} ${c.id}  ${when(c.lastActivity)}  ${String(c.messages).padStart(3)} msgs  ${title}`;
    })
    .join("\n");
}

export const CONVERSATION_COMMANDS: readonly SlashCommand[] = [
  {
    name: "save",
    args: "[title]",
    help: "save the conversation now (even with history off), with a title",
    run: (args, ctx) => {
      if (!ctx.session.messages.some((m) => m.role !== "system")) {
        ctx.print("nothing to save yet: send a message first");
        return;
      }
      const id = ctx.session.save(args.trim());
      ctx.print(`saved as ${id}${args.trim() ? ` "${args.trim()}"` : ""}`);
    },
  },
  {
    name: "history",
    help: "list the latest saved conversations (* marks this one)",
    run: (_args, ctx) => ctx.print(savedList(ctx)),
  },
  {
    name: "resume",
    args: "<id>",
    help: "go on with a saved conversation (an id or unique prefix)",
    complete: startsWith(() => listConversations().map((c) => c.id)),
    run: async (args, ctx) => {
      const id = args.trim();
      if (!id) throw new UsageError("usage: /resume <id> (/history lists them)");
      const notices: string[] = [];
      await finish(ctx.session.resume(id), (notice) => notices.push(notice.text));
      ctx.writeTerminal(CLEAR_SCREEN);
      ctx.dispatch({ type: "clear" });
      showMessages((action) => ctx.dispatch(action), ctx.session.messages, { markdown: ctx.markdown });
      ctx.dispatch({ type: "context", used: ctx.session.contextTokens(), continuable: continuable(ctx.session) });
      for (const text of notices) ctx.print(text);
    },
  },
  {
    name: "preset",
    args: "<name>",
    help: "use a named system prompt and its parameters",
    complete: startsWith(presetNames),
    run: (args, ctx) => {
      const name = args.trim();
      if (!name) throw new UsageError("usage: /preset <name> (parley prompts list shows them)");
      const keys = ctx.session.usePreset(name);
      ctx.print(`preset ${name}: system prompt set${keys.length > 0 ? `, parameters ${keys.join(", ")}` : ""}`);
      ctx.dispatch({ type: "context", used: ctx.session.contextTokens() });
    },
  },
];
