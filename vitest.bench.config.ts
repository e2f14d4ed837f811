// Benchmarks that need real OpenClaw gateways (bench/*.e2e-bench.ts): the e2e harness, one file at a time.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["bench/**/*.e2e-bench.ts"],
    globalSetup: ["test/e2e/global-setup.ts"],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
  },
});
