// Two sources disagree about the OpenClaw version: the package on disk (or openclaw.json's lastTouchedVersion) is
// not what the running gateway reports. The running gateway decides the rules, and a restart ends it. Pure.

import type { Finding, VersionSighting } from "../common/types.js";
import { compareVersions, parseOpenClawVersion } from "./version.js";

function newer(a: string, b: string): boolean {
  const pa = parseOpenClawVersion(a);
  const pb = parseOpenClawVersion(b);
  return pa !== null && pb !== null && compareVersions(pa, pb) > 0;
}

function where(s: VersionSighting): string {
  return s.from ? `${s.source}: ${s.from}` : s.source;
}

/**
 * The first on-disk source that disagrees with the running gateway. An older lastTouchedVersion is normal (the
 * config was last written before an upgrade); a newer one means a newer OpenClaw wrote it while the old runs.
 */
export function versionMismatch(
  seen: readonly VersionSighting[],
): { running: VersionSighting; disk: VersionSighting } | null {
  const running = seen.find((s) => s.running);
  if (!running) return null;
  const disk = seen.find(
    (s) =>
      !s.running &&
      s.version !== running.version &&
      (s.source !== "lastTouchedVersion" || newer(s.version, running.version)),
  );
  return disk ? { running, disk } : null;
}

export function versionMismatchFindings(seen: readonly VersionSighting[] | undefined): Finding[] {
  const m = versionMismatch(seen ?? []);
  if (!m) return [];
  const { running, disk } = m;
  const installed =
    disk.source === "lastTouchedVersion"
      ? `openclaw.json was last written by OpenClaw ${disk.version}`
      : `OpenClaw ${disk.version} is installed (${where(disk)})`;
  return [
    {
      code: "openclaw-version-mismatch",
      severity: "warning",
      message: `${installed}, but the running gateway is ${running.version} (${where(running)}).`,
      impact: `The gateway keeps ${running.version}'s behaviour (its pairing store, who signs with this device, which fix works) until it restarts; the watchdog applies ${running.version}'s rules meanwhile. The CLI on disk may already behave like ${disk.version}.`,
      fix: {
        command: "openclaw gateway restart",
        explanation:
          "Restarts the gateway on the installed release (add --profile NAME for a profile's gateway). Under systemd: systemctl --user restart openclaw-gateway (openclaw-gateway-NAME for a profile); under launchd: launchctl kickstart -k gui/$UID/ai.openclaw.gateway. Then run `scope-watchdog check` again.",
      },
    },
  ];
}
