/** `GET /v1/models` and `GET /v1/models/{id}`: the models served, with context and file size. */
import { statSync } from "node:fs";
import type { ModelPool } from "../core/model-pool.js";
import { describeModel } from "../models/describe.js";
import type { Catalog, CatalogEntry } from "./catalog.js";

export interface ModelObject {
  id: string;
  object: "model";
  created: number;
  owned_by: "parley";
  aliases: string[];
  loaded: boolean;
  /** The loaded context's size, else the model's training context. */
  context_size: number | null;
  file_size: number | null;
}

async function modelObject(entry: CatalogEntry, pool: ModelPool): Promise<ModelObject> {
  let created = 0;
  try {
    created = Math.floor(statSync(entry.path).mtimeMs / 1000);
  } catch {
    // A file gone since it was listed: shown without a date.
  }
  const info = pool.info(entry.path);
  let context = info?.contextSize;
  if (context === undefined) {
    try {
      context = (await describeModel(entry.path, entry.id, entry.aliases)).contextLength;
    } catch {
      context = undefined;
    }
  }
  return {
    id: entry.id,
    object: "model",
    created,
    owned_by: "parley",
    aliases: entry.aliases,
    loaded: info !== undefined,
    context_size: context ?? null,
    file_size: entry.size ?? null,
  };
}

export async function listModels(catalog: Catalog, pool: ModelPool): Promise<{ object: "list"; data: ModelObject[] }> {
  const data: ModelObject[] = [];
  for (const entry of catalog.entries()) data.push(await modelObject(entry, pool));
  return { object: "list", data };
}

export function getModel(catalog: Catalog, pool: ModelPool, id: string): Promise<ModelObject> {
  return modelObject(catalog.find(id), pool);
}
