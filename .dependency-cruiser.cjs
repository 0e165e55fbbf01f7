/**
 * The layering of DESIGN.md, enforced: each folder of src/ may import only the folders below it,
 * and nothing imports in a circle. `npm test` runs it (`npm run lint:layers`).
 */
const below = {
  cli: ["cli", "tui", "tools", "server", "core", "settings", "chat", "engine", "models", "store", "output", "errors"],
  tui: ["tui", "tools", "core", "chat", "settings", "errors", "output/sanitize"],
  tools: ["tools", "chat", "errors"],
  server: ["server", "core", "chat", "settings", "models", "output", "errors"],
  output: ["output", "chat", "errors"],
  core: ["core", "chat", "engine", "store", "models", "settings", "errors"],
  settings: ["settings", "chat", "errors"],
  chat: ["chat", "errors"],
  engine: ["engine", "chat", "errors"],
  models: ["models", "store/paths", "errors"],
  store: ["store", "chat", "settings", "errors"],
};

const standalone = ["errors"];
const allowed = (names) => names.map((n) => (standalone.includes(n) ? `^src/${n}\\.ts$` : `^src/${n}(/|\\.ts$)`));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "Imports never go in a circle.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "errors-import-nothing",
      comment: "errors.ts stands alone.",
      severity: "error",
      from: { path: "^src/errors\\.ts$" },
      to: { path: "^src/", pathNot: "^src/errors\\.ts$" },
    },
    {
      name: "node-llama-cpp-once",
      comment:
        "node-llama-cpp's values come only through src/engine/llama/node-llama-cpp.ts (one copy per process); other files import its types.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/engine/llama/node-llama-cpp\\.ts$" },
      to: { path: "node_modules/node-llama-cpp/", dependencyTypesNot: ["type-only"] },
    },
    ...Object.entries(below).map(([folder, names]) => ({
      name: `layers-${folder}`,
      comment: `src/${folder} may import only: ${names.join(", ")} (see DESIGN.md)`,
      severity: "error",
      from: { path: `^src/${folder}/` },
      to: { path: "^src/", pathNot: allowed(names) },
    })),
    {
      name: "bench-uses-dist",
      comment: "Benchmarks measure the built program: they import dist/, never src/.",
      severity: "error",
      from: { path: "^bench/" },
      to: { path: "^src/" },
    },
    {
      name: "bin-uses-dist",
      severity: "error",
      from: { path: "^bin/" },
      to: { path: "^src/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^dist/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
  },
};
