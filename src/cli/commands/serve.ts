/** `parley serve`: the OpenAI-compatible server. */
import { Option, type Command } from "commander";
import type { ServeFlags } from "../serve.js";
import { addModelOptions, addSamplingOptions } from "../options.js";

export function addServeCommand(program: Command): Command {
  const cmd = program
    .command("serve")
    .description("serve the model over HTTP with OpenAI's API (/v1/chat/completions, /v1/completions, /v1/models)");
  addModelOptions(cmd);
  addSamplingOptions(cmd);
  return cmd
    .addOption(new Option("--host <address>", "the address to listen on (default: 127.0.0.1, this machine only)"))
    .addOption(new Option("--port <n>", "the port (default: 8080; 0 picks a free one)"))
    .addOption(new Option("--parallel <n>", "requests answered at once, each on a sequence of its own (default: 1)"))
    .addOption(
      new Option("--max-models <n>", "models kept loaded at once; the least recently used is unloaded (default: 1)"),
    )
    .addOption(
      new Option(
        "--keep-alive <time>",
        "unload a model no request has used for this long, like 90s, 10m or 2h; the next request loads it again (default: keep it loaded)",
      ),
    )
    .addOption(new Option("--queue <n>", "requests that may wait for a free sequence; more get 503 (default: 32)"))
    .addOption(
      new Option(
        "--api-key <key>",
        "require Authorization: Bearer KEY on every route but /health (env PARLEY_API_KEY)",
      ),
    )
    .addOption(new Option("--cors <origin>", "allow browsers on this origin (or *) to call the server (default: none)"))
    .option("--record", "save each request as a conversation in the history")
    .option("--debug", "show llama.cpp logs and stack traces")
    .addHelpText(
      "after",
      `
Defaults set by flags, the environment or the config (temperature...) apply to requests that do
not set them; a request's own values win. Requests longer than the context get a 400.
SIGINT or SIGTERM: stop accepting, let running requests finish (up to 10 s), exit 0.
A second Ctrl+C exits at once (130).`,
    )
    .action(async (flags: ServeFlags) => {
      const { runServe } = await import("../serve.js");
      process.exitCode = await runServe(flags);
    });
}
