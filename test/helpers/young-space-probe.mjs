/**
 * Loaded with --import before bin/parley.js: as the process exits, keeps many young objects alive
 * through several collections and writes the size V8 gave its young generation to
 * PARLEY_YOUNG_SPACE_FILE. Without parley's limit on its growth V8 grows it to 16-32 MB.
 */
import { writeFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";

process.on("exit", () => {
  const kept = [];
  for (let i = 0; i < 400_000; i++) kept.push({ i, text: `object ${i}` });
  const young = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  writeFileSync(process.env.PARLEY_YOUNG_SPACE_FILE, `${young.space_size} ${kept.length}\n`);
});
