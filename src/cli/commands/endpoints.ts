/** `parley endpoints`: named OpenAI-compatible servers, used with `-m NAME:model-id`. */
import type { Command } from "commander";
import type * as Actions from "./endpoints-actions.js";
import type { EndpointFlags } from "./endpoints-actions.js";
import { listByDefault } from "../options.js";

async function actions(): Promise<typeof Actions> {
  return import("./endpoints-actions.js");
}

export function addEndpointsCommand(program: Command): Command {
  const endpoints = program
    .command("endpoints")
    .description("named OpenAI-compatible servers; use a model on one with -m NAME:model-id; alone: list them")
    .option("--json", "with no command: print the list as JSON");
  listByDefault(endpoints, async () => (await actions()).listEndpoints(endpoints.opts<EndpointFlags>()));
  endpoints
    .command("list")
    .description("list the endpoints (a key is shown as set or not set, never its value)")
    .option("--json", "print JSON")
    .action(async (opts: EndpointFlags) => (await actions()).listEndpoints(opts));
  endpoints
    .command("add")
    .description("name a server: its base URL, e.g. http://gpu-box:8000/v1")
    .argument("<name>")
    .argument("<url>")
    .option("--api-key-env <name>", "the environment variable that holds its key (read at run time, never stored)")
    .option("--context-size <n>", "the context size to assume when the server does not say")
    .option("--force", "replace an endpoint of the same name")
    .action(async (name: string, url: string, opts: EndpointFlags) =>
      (await actions()).addEndpointCommand(name, url, opts),
    );
  endpoints
    .command("rm")
    .description("remove an endpoint")
    .argument("<name>")
    .action(async (name: string) => (await actions()).removeEndpointCommand(name));
  endpoints
    .command("test")
    .description("ask the server for its models and one tiny completion; print the latency")
    .argument("<name>")
    .option("--model <id>", "the model for the completion (default: the first the server lists)")
    .option("--json", "print JSON")
    .action(async (name: string, opts: EndpointFlags) => (await actions()).testEndpointCommand(name, opts));
  return endpoints;
}
