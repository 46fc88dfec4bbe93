import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    // Own configs and CI steps: the reliability suite (minutes of load) and the container image (podman).
    exclude: ["test/reliability/**", "test/container/**", "node_modules/**"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real servers; two workers match the two cores.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
