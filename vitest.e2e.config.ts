// End-to-end suite against real OpenClaw gateways: one file at a time (a gateway takes 0.5-0.8 GB and a core).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    globalSetup: ["test/e2e/global-setup.ts"],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 600_000,
    teardownTimeout: 60_000,
    restoreMocks: true,
    unstubEnvs: true,
  },
});
