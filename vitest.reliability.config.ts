import { defineConfig } from "vitest/config";

/**
 * The reliability suite (`npm run test:reliability`): fuzzing, load, crash consistency, upstream faults and
 * secret hygiene against real servers. Kept out of `npm test` (see vitest.config.ts) because it runs for
 * minutes; one file at a time, so the load and timing tests have both cores to themselves.
 */
export default defineConfig({
  test: {
    include: ["test/reliability/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
