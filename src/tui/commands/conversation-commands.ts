/** Slash commands for saved conversations and presets. */
import { UsageError } from "../../errors.js";
import { readPresets } from "../../store/presets.js";
import { listConversations } from "../../store/conversations.js";
import type { ChatConversations } from "../conversations.js";
import { showMessages } from "../show-messages.js";
import { CLEAR_SCREEN, type CommandContext, type SlashCommand } from "./types.js";

function conversations(ctx: CommandContext): ChatConversations {
  if (!ctx.conversations) throw new UsageError("saved conversations are not available here");
  return ctx.conversations;
}

function startsWith(candidates: () => string[]): (arg: string) => string[] {
  return (arg) => {
    try {
      return candidates().filter((c) => c.startsWith(arg));
    } catch {
      return [];
    }
  };
}

export const CONVERSATION_COMMANDS: readonly SlashCommand[] = [
  {
    name: "save",
    args: "[title]",
    help: "save the conversation now (even with history off), with a title",
    run: (args, ctx) => {
      const id = conversations(ctx).save(args.trim());
      ctx.print(`saved as ${id}${args.trim() ? ` "${args.trim()}"` : ""}`);
    },
  },
  {
    name: "history",
    help: "list the latest saved conversations (* marks this one)",
    run: (_args, ctx) => ctx.print(conversations(ctx).list()),
  },
  {
    name: "resume",
    args: "<id>",
    help: "go on with a saved conversation (an id or unique prefix)",
    complete: startsWith(() => listConversations().map((c) => c.id)),
    run: async (args, ctx) => {
      const id = args.trim();
      if (!id) throw new UsageError("usage: /resume <id> (/history lists them)");
      const { messages, notice } = await conversations(ctx).resume(id);
      ctx.writeTerminal(CLEAR_SCREEN);
      ctx.dispatch({ type: "clear" });
      showMessages((action) => ctx.dispatch(action), messages, { markdown: ctx.markdown });
      ctx.dispatch({ type: "context", used: ctx.session.contextTokens() });
      ctx.print(notice);
    },
  },
  {
    name: "preset",
    args: "<name>",
    help: "use a named system prompt and its parameters",
    complete: startsWith(() => [...readPresets().keys()]),
    run: (args, ctx) => {
      const name = args.trim();
      if (!name) throw new UsageError("usage: /preset <name> (parley prompts list shows them)");
      ctx.print(conversations(ctx).preset(name, ctx.paramSources));
      ctx.dispatch({ type: "context", used: ctx.session.contextTokens() });
    },
  },
];
