/** Option definitions shared by the commands that run a model. */
import { Option, type Command } from "commander";
import { PARAM_SPECS } from "../chat/params.js";
import { TEMPLATES } from "../chat/templates.js";

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addModelOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("-m, --model <path>", "the GGUF model file to load (env PARLEY_MODEL)"))
    .addOption(
      new Option("--gpu <backend>", "compute backend (default: auto)").choices([
        "auto",
        "cuda",
        "vulkan",
        "metal",
        "off",
      ]),
    )
    .addOption(new Option("--gpu-layers <n|auto|max>", "layers to offload to the GPU (default: auto)"))
    .addOption(new Option("--context-size <n|auto>", "context window in tokens (default: the model's, at most 8192)"))
    .addOption(new Option("--threads <n>", "CPU threads (default: physical cores - 1, at least 1)"))
    .addOption(new Option("--template <name>", `chat template (default: auto): ${Object.keys(TEMPLATES).join(", ")}`));
}

export function addSamplingOptions(cmd: Command): Command {
  for (const spec of PARAM_SPECS) {
    const short = spec.key === "maxTokens" ? "-n, " : "";
    cmd.addOption(new Option(`${short}--${spec.flag} <n>`, spec.help));
  }
  return cmd.addOption(new Option("--stop <text>", "stop when this text is generated (repeatable)").argParser(collect));
}

export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option("-s, --system <text>", "system prompt")
    .option("-p, --preset <name>", "use a named system prompt and its parameters (see `parley prompts`)")
    .addOption(new Option("-c, --continue", "continue the latest saved conversation").conflicts(["resume", "messages"]))
    .addOption(
      new Option("--resume <id>", "continue a saved conversation (an id or unique prefix)").conflicts("messages"),
    )
    .option("--no-history", "do not save this conversation")
    .option("--system-file <path>", "read the system prompt from a file")
    .option("--messages <file|->", "read a Chat Completion messages array or request body (- for stdin)")
    .option("--schema <file|json>", "constrain the reply to JSON matching this JSON schema")
    .addOption(new Option("--json", "print one chat.completion JSON object").conflicts("jsonl"))
    .addOption(new Option("--jsonl", "stream chat.completion.chunk objects, one per line").conflicts("json"))
    .option("--stats", "print token counts and speed to stderr")
    .option("--show-reasoning", "show the model's reasoning (dimmed) before the answer")
    .option("--raw", "write model output as it is, control characters included")
    .option("--debug", "show llama.cpp logs and stack traces");
}
