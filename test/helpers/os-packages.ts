// Suites that run Debian packages' commands (notify-send, dunst, Xvfb, dbus-*, systemd-analyze, promtool) are
// declared with describeNeeding: without one of the commands the suite is skipped (and named in the loud line
// test/setup/os-packages-reporter.ts prints), or, under SCOPE_WATCHDOG_TEST_OS_PACKAGES=require, fails.
import { beforeAll, describe } from "vitest";
import {
  MODE_VAR,
  missingCommands,
  missingLine,
  type OsCommand,
  osPackagesMode,
} from "../../scripts/os-packages.mjs";

declare module "vitest" {
  interface TaskMeta {
    /** The commands this suite needs that are not on PATH (set by describeNeeding). */
    missingOsCommands?: string[];
  }
}

/** describe() for a suite that runs `cmds`: skipped when one is missing, failed instead in require mode. */
export function describeNeeding(cmds: readonly OsCommand[], name: string, body: () => void): void {
  const missing = missingCommands(cmds);
  const skip = missing.length > 0 && osPackagesMode() !== "require";
  describe(name, { skip, meta: { missingOsCommands: missing } }, () => {
    beforeAll(() => {
      if (missing.length > 0) throw new Error(missingLine(missing, `this suite fails (${MODE_VAR}=require)`));
    });
    body();
  });
}
