/**
 * A yes/no question on the terminal (the first-run offer, `history clear`): Enter gives
 * `defaultYes`, end of input means no, and Ctrl+C stops parley quietly (exit 130).
 */
import { createInterface } from "node:readline/promises";
import { InterruptError } from "../errors.js";

export async function askYesNo(question: string, defaultYes = true): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const stop = new AbortController();
  let interrupted = false;
  rl.on("SIGINT", () => {
    interrupted = true;
    stop.abort();
  });
  rl.on("close", () => stop.abort());
  try {
    const answer = (await rl.question(question, { signal: stop.signal })).trim().toLowerCase();
    return answer === "" ? defaultYes : answer === "y" || answer === "yes";
  } catch {
    process.stderr.write("\n");
    if (interrupted) throw new InterruptError();
    return false;
  } finally {
    rl.close();
  }
}
