// End-to-end suite against real OpenClaw gateways. Two files at a time (the machine has 2 cores; a gateway takes
// 0.5-0.8 GB and one core while it starts): each release-matrix file shares one gateway across its tests, and
// the tests of a file run in order. Parallel gateways stay apart: own HOME, port and log file; the 4.x releases
// that ignore logging.file share /tmp/openclaw/openclaw-<date>.log, so log assertions match on their own port.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    globalSetup: ["test/e2e/global-setup.ts"],
    fileParallelism: true,
    maxWorkers: 2,
    pool: "forks",
    sequence: { concurrent: false },
    testTimeout: 300_000,
    hookTimeout: 600_000,
    teardownTimeout: 60_000,
    restoreMocks: true,
    unstubEnvs: true,
  },
});
