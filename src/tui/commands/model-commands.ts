/** Slash commands for the model and the context: /model, /models, /compact. */
import type { ChatEvent } from "../../chat/events.js";
import { localModels } from "../../core/index.js";
import { keyState, listEndpointModels } from "../../core/remote-model.js";
import { finish } from "../operations.js";
import type { CommandContext, SlashCommand } from "./types.js";

function modelNames(): string[] {
  return localModels().flatMap((m) => [m.name, ...m.aliases]);
}

export function showModel(ctx: CommandContext): string {
  const i = ctx.session.info;
  return [
    `model      ${i.name}`,
    `template   ${i.template}`,
    `backend    ${i.backend}`,
    `context    ${i.contextSize} tokens${i.trainContextSize ? ` (trained on ${i.trainContextSize})` : ""}`,
    ...(i.threads !== undefined ? [`threads    ${i.threads}`] : []),
    ...(i.predictor !== undefined ? [`predictor  ${i.predictor}`] : []),
    ...(i.remote ? [`server     ${i.remote.url}`, `key        ${keyState(i.remote.apiKeyEnv)}`] : []),
  ].join("\n");
}

/** Runs an operation that streams no reply, printing its notices as they come. */
async function run(ctx: CommandContext, events: AsyncIterable<ChatEvent>): Promise<void> {
  await finish(events, (notice) => ctx.print(notice.text));
  ctx.dispatch({ type: "context", used: ctx.session.contextTokens() });
}

export const MODEL_COMMANDS: readonly SlashCommand[] = [
  {
    name: "model",
    args: "[name|path|hf:ref]",
    help: "show the model; with a name, switch to it (the conversation stays; the new model reads it again)",
    complete: (arg) => modelNames().filter((n) => n.startsWith(arg)),
    run: async (args, ctx) => {
      const ref = args.trim();
      if (ref === "") return ctx.print(showModel(ctx));
      try {
        await run(ctx, ctx.session.switchModel(ref));
      } finally {
        // llama.cpp may write to the terminal while it loads a model, under the rows Ink drew
        // last, so Ink would erase the wrong rows and leave a copy of the input box behind: the
        // screen is drawn again before anything more is shown.
        ctx.redraw?.();
      }
      const i = ctx.session.info;
      ctx.dispatch({
        type: "loaded",
        header: { model: i.name, template: i.template, backend: i.backend, contextSize: i.contextSize },
        contextUsed: ctx.session.contextTokens(),
      });
    },
  },
  {
    name: "models",
    help: "list the models in the models folder (parley models pull adds more) and on the named endpoints",
    run: async (_args, ctx) => {
      const models = localModels();
      ctx.print(
        models.length === 0
          ? "no models in the models folder yet: parley models pull <ref> adds one"
          : models.map((m) => `${m.name}${m.aliases.length > 0 ? `  (alias ${m.aliases.join(", ")})` : ""}`).join("\n"),
      );
      const remote = await listEndpointModels();
      const lines = remote.flatMap((e) =>
        e.error !== undefined
          ? [`${e.error}: its models are not listed`]
          : (e.models ?? []).map((m) => `${e.endpoint}:${m.id}  (remote, endpoint ${e.endpoint})`),
      );
      if (lines.length > 0) ctx.print(lines.join("\n"));
    },
  },
  {
    name: "compact",
    help: "summarise the older turns into one note the model sees instead (the saved conversation keeps them)",
    run: async (_args, ctx) => {
      const before = ctx.session.contextTokens();
      await run(ctx, ctx.session.compact());
      const after = ctx.session.contextTokens();
      if (after >= before) {
        ctx.print(
          `the summary is no shorter than the messages it replaces: the context now holds ${after} tokens (${before} before)`,
        );
      }
    },
  },
];
