/** A PARLEY_HOME whose models folder holds fixture models, including damaged ones. */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildGguf } from "../fixtures/gguf-writer.ts";
import { tempHome } from "./cli.ts";
import { brokenFixture, fixture, type BrokenName, type FixtureName } from "./fixtures.ts";

export interface FolderSpec {
  models?: Partial<Record<string, FixtureName>>;
  broken?: Partial<Record<string, BrokenName>>;
  aliases?: Record<string, string>;
}

export function homeWithModels(spec: FolderSpec): { home: string; folder: string } {
  const home = tempHome();
  const folder = join(home, "models");
  mkdirSync(folder, { recursive: true });
  for (const [name, kind] of Object.entries(spec.models ?? {}))
    if (kind) copyFileSync(fixture(kind), join(folder, `${name}.gguf`));
  for (const [name, kind] of Object.entries(spec.broken ?? {}))
    if (kind) copyFileSync(brokenFixture(kind), join(folder, `${name}.gguf`));
  if (spec.aliases) writeFileSync(join(folder, "aliases.json"), JSON.stringify(spec.aliases));
  return { home, folder };
}

/** Writes `count` small distinct fixture models into `folder` (for the list benchmark). */
export function fillFolder(folder: string, count: number): void {
  mkdirSync(folder, { recursive: true });
  const body = buildGguf({ weights: "script" });
  for (let i = 0; i < count; i++) writeFileSync(join(folder, `model-${String(i).padStart(3, "0")}.gguf`), body);
}
