/**
 * A copy of the built project (package.json, bin, dist) whose node-llama-cpp is its own copy
 * without any local llama.cpp build, so it loads the prebuilt binary; every other package is a
 * link to the repository's. Tests change the copy without touching the repository.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function copyProject(prefix = "parley-project-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const part of ["package.json", "bin", "dist"]) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  const modules = join(dir, "node_modules");
  mkdirSync(modules);
  for (const name of readdirSync(join(ROOT, "node_modules"))) {
    if (name === "node-llama-cpp") continue;
    symlinkSync(join(ROOT, "node_modules", name), join(modules, name));
  }
  cpSync(join(ROOT, "node_modules", "node-llama-cpp"), join(modules, "node-llama-cpp"), {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => !/[\\/]llama[\\/](localBuilds|llama\.cpp)$/.test(src),
  });
  return dir;
}
