/**
 * The benchmark suite's former entry point: runs bench/run.ts (see there for its options).
 *   npm run build && node --import tsx bench/one-shot.ts [options of bench/run.ts]
 */
await import("./run.ts");
