/** `parley doctor`: what parley finds on this machine, and every problem with how to fix it. */
import type { Command } from "commander";

export function addDoctorCommand(program: Command): Command {
  return program
    .command("doctor")
    .description("check this machine: llama.cpp backends, GPUs, memory, threads, paths and models")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => (await import("./doctor-actions.js")).runDoctor(opts));
}
