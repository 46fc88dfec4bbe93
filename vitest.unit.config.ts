import { defineConfig } from "vitest/config";

// The unit layer (`npm run test:unit`): pure modules, no server, no child process, no database; seconds.
// `npm test` (vitest.config.ts) runs these files too.
export default defineConfig({
  test: {
    include: ["test/unit/**/*.unit.test.ts"],
    testTimeout: 5_000,
    reporters: ["default"],
  },
});
