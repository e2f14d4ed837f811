import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
    // the last line of a run names the Debian packages whose suites were skipped (scripts/os-packages.mjs)
    reporters: ["default", "./test/setup/os-packages-reporter.ts"],
    restoreMocks: true,
    unstubEnvs: true,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
