// Loaded with `node --import`: records every module URL the process resolves into the file
// named by PARLEY_IMPORT_TRACE, so tests can check what a command loads.
import { register } from "node:module";

register("./import-trace-hooks.mjs", import.meta.url, { data: { file: process.env.PARLEY_IMPORT_TRACE } });
