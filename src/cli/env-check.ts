/**
 * Every environment variable parley reads, checked like the flag it stands for: a value that
 * cannot be read is a usage error naming the variable (exit 2), never ignored or taken as "no
 * limit". Empty counts as not set.
 */
import { UsageError } from "../errors.js";
import { CONFIG_KEYS } from "../settings/keys.js";

const STALL_MAX_SECONDS = 86_400;

function given(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === "" ? undefined : raw;
}

/** How long `models pull` waits for bytes, from PARLEY_PULL_STALL_SECONDS; undefined: the default. */
export function pullStallMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = given(env, "PARLEY_PULL_STALL_SECONDS");
  if (raw === undefined) return undefined;
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(seconds > 0 && seconds <= STALL_MAX_SECONDS)) {
    throw new UsageError(
      `invalid value for PARLEY_PULL_STALL_SECONDS: ${JSON.stringify(raw)} (expected a number of seconds above 0, at most ${STALL_MAX_SECONDS})`,
    );
  }
  return seconds * 1000;
}

/** The hub endpoint overrides node-llama-cpp reads too: an http(s) URL. */
function checkEndpoint(env: NodeJS.ProcessEnv, name: string): void {
  const raw = given(env, name);
  if (raw === undefined) return;
  let ok = false;
  try {
    const url = new URL(raw);
    ok = (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    ok = false;
  }
  if (!ok)
    throw new UsageError(
      `invalid value for ${name}: ${JSON.stringify(raw)} (expected an http:// or https:// address of a model hub)`,
    );
}

const CHECKS: readonly ((env: NodeJS.ProcessEnv) => void)[] = [
  ...CONFIG_KEYS.map((spec) => (env: NodeJS.ProcessEnv) => {
    const raw = given(env, spec.env);
    if (raw !== undefined) spec.parse(raw, spec.env);
  }),
  (env) => void pullStallMs(env),
  (env) => checkEndpoint(env, "MODEL_ENDPOINT"),
  (env) => checkEndpoint(env, "HF_ENDPOINT"),
];

/** What is wrong with parley's environment variables, one sentence each; none when all is well. */
export function environmentProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  for (const check of CHECKS) {
    try {
      check(env);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(err.message);
    }
  }
  return problems;
}

/** Refuses to run with an environment variable that cannot be read (exit 2, naming it). */
export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const [first] = environmentProblems(env);
  if (first !== undefined) throw new UsageError(first);
}

/** Refuses to run in a folder that was deleted (or moved) after the shell entered it (exit 2). */
export function checkWorkingFolder(): void {
  try {
    process.cwd();
  } catch {
    throw new UsageError(
      "the current folder no longer exists (it was deleted or moved): cd to another folder and run parley again",
    );
  }
}
