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

/**
 * The one change to node-llama-cpp's behaviour: before each test of a binary, getLlama asks a gate
 * parley may set (`__parleySetBinaryTestGate`, exported by the one file). The gate answers from
 * what it remembers of this binary on this machine, or runs the test (src/engine/llama/binary-tests.ts).
 * Without a gate, or without this file, the test runs as node-llama-cpp wrote it.
 */
const GATED_FILE = "bindings/getLlama.js";
const GATED_CALL = "await testBindingBinary(";
const GATED_CALLS = 2;
const gate = [
  "let __parleyBinaryTestGate;",
  "export function __parleySetBinaryTestGate(gate) { __parleyBinaryTestGate = gate; }",
  "const __parleyTestBinary = (test, ...args) =>",
  "  __parleyBinaryTestGate ? __parleyBinaryTestGate(args, () => test(...args)) : test(...args);",
].join("\n");

/**
 * The second change: reading a GGUF file's metadata, node-llama-cpp makes a JavaScript value of
 * every entry, the vocabulary too: 151,936 strings, scores and types for a Qwen-sized vocabulary,
 * which took the process's heap from 14 to 54 MB while a model loaded (and V8 keeps the pages).
 * llama.cpp reads the vocabulary itself; node-llama-cpp's JavaScript only asks these arrays for
 * their length. So they are read past, not into, and stand as empty arrays of the same length.
 */
const PARSER_FILE = "gguf/parser/GgufV2Parser.js";
const PARSER_CALL = "transformPromisable(this._readGgufValue(valueType, readOffset),";
const hollow = [
  "const __parleyHollowKeys = new Set([",
  '  "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.merges",',
  "]);",
  "const __parleyValueSizes = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];",
  "function __parleyReadGgufValue(parser, key, type, offset) {",
  "  if (type !== 9 || !__parleyHollowKeys.has(key)) return parser._readGgufValue(type, offset);",
  "  return (async () => {",
  "    const reader = parser._fileReader;",
  "    const itemType = await reader.readUint32(offset);",
  "    const length = Number(await reader.readUint64(offset));",
  "    if (itemType === 8) {",
  "      for (let i = 0; i < length; i++) {",
  "        let size = reader.readUint64(offset);",
  "        if (size instanceof Promise) size = await size;",
  "        offset.moveBy(Number(size));",
  "      }",
  "    } else if (__parleyValueSizes[itemType] > 0) offset.moveBy(length * __parleyValueSizes[itemType]);",
  '    else throw new Error(`GGUF metadata "${key}": an array of arrays is not a vocabulary`);',
  "    return new Array(length);",
  "  })();",
  "}",
].join("\n");

/**
 * Each `import.meta.url` of node-llama-cpp's own files becomes that file's URL in the installed
 * package; getLlama's binary tests go through the gate. The build fails on anything it does not
 * recognise, so a newer node-llama-cpp cannot slip through changed.
 */
function rewrite(testFileUrl, gated) {
  return {
    name: "node-llama-cpp-rewrite",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
        const source = await readFile(args.path, "utf8");
        const inside = relative(nlcDist, args.path).split(sep).join("/");
        let contents = source;
        if (gated && inside === GATED_FILE) {
          const calls = contents.split(GATED_CALL).length - 1;
          if (calls !== GATED_CALLS) {
            throw new Error(`${args.path}: expected ${GATED_CALLS} calls of "${GATED_CALL}", found ${calls}`);
          }
          contents = contents.replaceAll(GATED_CALL, "await __parleyTestBinary(testBindingBinary, ");
        }
        if (gated && inside === PARSER_FILE) {
          const calls = contents.split(PARSER_CALL).length - 1;
          if (calls !== 1) throw new Error(`${args.path}: expected 1 call of "${PARSER_CALL}", found ${calls}`);
          contents = contents.replace(
            PARSER_CALL,
            "transformPromisable(__parleyReadGgufValue(this, keyResult, valueType, readOffset),",
          );
        }
        if (contents.includes("import.meta")) {
          if (inside.startsWith("..")) {
            throw new Error(`${args.path} uses import.meta: it cannot be bundled without changing what it finds`);
          }
          if (contents.replaceAll("import.meta.url", "").includes("import.meta")) {
            throw new Error(`${args.path} uses import.meta in a way this build does not handle`);
          }
          const url = inside === TEST_FILE ? testFileUrl : `__parleyNlcUrl(${JSON.stringify(inside)})`;
          contents = contents.replaceAll("import.meta.url", url);
        }
        return contents === source ? undefined : { contents, loader: "js" };
      });
    },
  };
}

/** One file holding `entry` and everything it imports but the native parts. */
async function bundle(entry, outfile, testFileUrl, gated) {
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["*.node", "@node-llama-cpp/*", "@reflink/*", "electron"],
    banner: { js: gated ? `${banner}\n${gate}\n${hollow}` : banner },
    plugins: [rewrite(testFileUrl, gated)],
    legalComments: "eof",
    logLevel: "error",
    metafile: true,
  });
  return Object.keys(result.metafile.inputs).length;
}

const testUrl = `new URL(${JSON.stringify("./" + TEST_OUT)}, import.meta.url).href`;
const modules = await bundle(entry, outFile, testUrl, true);
await bundle(join(nlcDist, TEST_FILE), join(outDir, TEST_OUT), "import.meta.url", false);

// Written last: src/node-llama-cpp.ts uses the copy only when this file names the installed version.
await mkdir(outDir, { recursive: true });
await writeFile(
  manifestFile,
  JSON.stringify({ version, modules, files: ["node-llama-cpp.js", TEST_OUT] }, null, 2) + "\n",
);
console.log(`parley build: node-llama-cpp ${version} bundled (${modules} modules in one file)`);
