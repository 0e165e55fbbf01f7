/**
 * The layering of DESIGN.md, enforced: each folder of src/ may import only the folders below it,
 * and nothing imports in a circle. `npm test` runs it (`npm run lint:layers`).
 */
const below = {
  cli: ["cli", "tui", "core", "settings", "chat", "engine", "models", "store", "output", "errors"],
  tui: ["tui", "core", "chat", "settings", "errors", "output/sanitize"],
  server: ["server", "core", "chat", "output", "errors"],
  output: ["output", "chat", "errors"],
  core: ["core", "chat", "engine", "store", "models", "settings", "errors"],
  settings: ["settings", "chat", "errors"],
  chat: ["chat", "errors"],
  engine: ["engine", "chat", "errors"],
  models: ["models", "store/paths", "errors"],
  store: ["store", "chat", "settings", "errors"],
};

const allowed = (names) => names.map((n) => (n === "errors" ? "^src/errors\\.ts$" : `^src/${n}(/|\\.ts$)`));

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
      to: { path: "^src/" },
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
    exclude: { path: "^(node_modules|dist)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
  },
};
