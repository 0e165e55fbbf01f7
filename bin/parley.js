#!/usr/bin/env node
// Node's own warnings (MaxListenersExceededWarning, ExperimentalWarning...) are for developers:
// shown with --debug only. Removed before parley is loaded, so none slips out while it loads.
if (!process.argv.includes("--debug")) process.removeAllListeners("warning");
await import("../dist/cli/main.js");
