import { appendFileSync } from "node:fs";

let file;

export function initialize(data) {
  file = data?.file;
}

// One line per module: "<pid> <url>" (a child process that inherits the trace writes its own pid).
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (file) appendFileSync(file, `${process.pid} ${result.url}\n`);
  return result;
}
