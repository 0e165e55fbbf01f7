/** `parley paths`: where parley keeps its files. */
import type { Command } from "commander";

export function addPathsCommand(program: Command): Command {
  return program
    .command("paths")
    .description("print where parley keeps its files (PARLEY_HOME puts them all in one folder)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { parleyPaths } = await import("../../store/paths.js");
      const { stringifyJson } = await import("../../output/json-text.js");
      const p = parleyPaths();
      if (opts.json) {
        process.stdout.write(`${stringifyJson(p, 2)}\n`);
        return;
      }
      const rows: [string, string][] = [
        ["config", p.configFile],
        ["presets", p.presetsFile],
        ["endpoints", p.endpointsFile],
        ["conversations", p.conversations],
        ["input history", p.inputHistory],
        ["models", p.models],
        ["snapshots", p.snapshots],
      ];
      if (p.home) rows.unshift(["PARLEY_HOME", p.home]);
      for (const [name, path] of rows) process.stdout.write(`${name.padEnd(14)}${path}\n`);
    });
}
