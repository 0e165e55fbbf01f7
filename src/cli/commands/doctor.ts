/** `parley doctor`: what parley finds on this machine, and every problem with how to fix it. */
import { Option, type Command } from "commander";

export function addDoctorCommand(program: Command): Command {
  return program
    .command("doctor")
    .description("check this machine: llama.cpp backends, GPUs, memory, threads, paths and models")
    .option("--json", "print JSON")
    .addOption(
      new Option(
        "--build",
        "build llama.cpp for this CPU from the source inside node-llama-cpp (offline, 15-30 minutes)",
      ).conflicts(["json", "removeBuild"]),
    )
    .addOption(
      new Option("--remove-build", "remove that build: parley runs the prebuilt llama.cpp binaries again").conflicts(
        "json",
      ),
    )
    .action(async (opts: { json?: boolean; build?: boolean; removeBuild?: boolean }) => {
      if (opts.build) return (await import("./doctor-build.js")).runDoctorBuild();
      if (opts.removeBuild) return (await import("./doctor-build.js")).runDoctorRemoveBuild();
      return (await import("./doctor-actions.js")).runDoctor(opts);
    });
}
