import { defineConfig } from "vitest/config";

/**
 * The container suite (`npm run test:container`): builds the image with podman (scripts/container-test.sh) and
 * runs it as compose.yaml and compose.postgres.yaml describe. Kept out of `npm test` (see vitest.config.ts):
 * it needs podman, runc and debootstrap, and a cold build takes minutes. One file, in order.
 */
export default defineConfig({
  test: {
    include: ["test/container/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    sequence: { concurrent: false },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
