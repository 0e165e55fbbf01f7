#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";
// V8 lets the young generation grow from 1 to 16 MB per half as objects survive; reading a model's
// metadata made it grow, and the 14 MB it then held stayed for the life of the process (peak RSS
// of a one-shot run on a 1.5B model -8 MB without it; decode speed and first token unchanged).
setFlagsFromString("--semi-space-growth-factor=1");
// Node's own warnings (MaxListenersExceededWarning, ExperimentalWarning...) are for developers:
// shown with --debug only. Removed before parley is loaded, so none slips out while it loads.
if (!process.argv.includes("--debug")) process.removeAllListeners("warning");
await import("../dist/cli/main.js");
