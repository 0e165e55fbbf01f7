// Loaded with `node --import`: appends the module of every child_process.fork() to the file named
// by PARLEY_FORK_TRACE, so a test can see whether node-llama-cpp tested its binary in a child.
import childProcess from "node:child_process";
import { appendFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const file = process.env.PARLEY_FORK_TRACE;
if (file) {
  const fork = childProcess.fork;
  childProcess.fork = function tracedFork(modulePath, ...rest) {
    appendFileSync(file, `${String(modulePath)}\n`);
    return fork.call(this, modulePath, ...rest);
  };
  syncBuiltinESMExports();
}
