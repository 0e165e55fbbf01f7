/**
 * Part of `npm run build`: writes node-llama-cpp's JavaScript (with the packages it imports) as one
 * file, dist/vendor/node-llama-cpp.js, and dist/vendor/node-llama-cpp.json naming the version it
 * was made from. On Node 20, importing node-llama-cpp from node_modules resolves, reads and
 * compiles about 550 small ES modules (0.55-0.65 s, 40 MB); the one file takes about 0.2 s and
 * 23 MB. src/node-llama-cpp.ts loads this file only when the installed node-llama-cpp has the
 * version it was made from, and node_modules otherwise.
 *
 * What stays outside the file, found by Node as before: the native addon and the prebuilt engine
 * packages (@node-llama-cpp/*), @reflink (native). node-llama-cpp finds its own folder (llama.cpp
 * builds, prebuilt binaries, grammars, the file it forks to test a binary) from `import.meta.url`;
 * in the file each such use is replaced by the URL of the original file in the installed package,
 * found at run time, so every path it computes stays the same.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "dist", "vendor");
const outFile = join(outDir, "node-llama-cpp.js");
const manifestFile = join(outDir, "node-llama-cpp.json");

const require = createRequire(join(root, "package.json"));
const entry = require.resolve("node-llama-cpp");
const nlcDist = dirname(entry);
const nlcRoot = dirname(nlcDist);
const { version } = JSON.parse(await readFile(join(nlcRoot, "package.json"), "utf8"));

await rm(outDir, { recursive: true, force: true });

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.warn("parley build: esbuild is not installed, so node-llama-cpp is not bundled (parley starts slower).");
  process.exit(0);
}

const banner = [
  'import { createRequire as __parleyCreateRequire } from "node:module";',
  'import { dirname as __parleyDirname, join as __parleyJoin } from "node:path";',
  'import { pathToFileURL as __parleyPathToFileURL } from "node:url";',
  "const require = __parleyCreateRequire(import.meta.url);",
  'const __parleyNlcDist = __parleyDirname(require.resolve("node-llama-cpp"));',
  "const __parleyNlcUrl = (file) => __parleyPathToFileURL(__parleyJoin(__parleyNlcDist, file)).href;",
].join("\n");

/**
 * The file node-llama-cpp forks to test a prebuilt binary before loading it (on Linux, every load).
 * It gets a one-file copy of its own, named so node-llama-cpp still recognises it: the test
 * process then starts in about 0.2 s instead of 0.6 s.
 */
const TEST_FILE = "bindings/utils/testBindingBinary.js";
const TEST_OUT = "testBindingBinary.js";

/** Each `import.meta.url` of node-llama-cpp's own files becomes that file's URL in the installed package. */
function metaUrl(testFileUrl) {
  return {
    name: "node-llama-cpp-meta-url",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
        const source = await readFile(args.path, "utf8");
        if (!source.includes("import.meta")) return undefined;
        const inside = relative(nlcDist, args.path).split(sep).join("/");
        if (inside.startsWith("..")) {
          throw new Error(`${args.path} uses import.meta: it cannot be bundled without changing what it finds`);
        }
        const url = inside === TEST_FILE ? testFileUrl : `__parleyNlcUrl(${JSON.stringify(inside)})`;
        const contents = source.replaceAll("import.meta.url", url);
        if (contents.replaceAll("import.meta.url", "").includes("import.meta")) {
          throw new Error(`${args.path} uses import.meta in a way this build does not handle`);
        }
        return { contents, loader: "js" };
      });
    },
  };
}

/** One file holding `entry` and everything it imports but the native parts. */
async function bundle(entry, outfile, testFileUrl) {
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["*.node", "@node-llama-cpp/*", "@reflink/*", "electron"],
    banner: { js: banner },
    plugins: [metaUrl(testFileUrl)],
    legalComments: "eof",
    logLevel: "error",
    metafile: true,
  });
  return Object.keys(result.metafile.inputs).length;
}

const modules = await bundle(entry, outFile, `new URL(${JSON.stringify("./" + TEST_OUT)}, import.meta.url).href`);
await bundle(join(nlcDist, TEST_FILE), join(outDir, TEST_OUT), "import.meta.url");

// Written last: src/node-llama-cpp.ts uses the copy only when this file names the installed version.
await mkdir(outDir, { recursive: true });
await writeFile(
  manifestFile,
  JSON.stringify({ version, modules, files: ["node-llama-cpp.js", TEST_OUT] }, null, 2) + "\n",
);
console.log(`parley build: node-llama-cpp ${version} bundled (${modules} modules in one file)`);
