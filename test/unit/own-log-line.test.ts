// Which gateway-log lines are this OpenClaw state's (detect/local-health.ts isOwnLogLine): OpenClaw 2026.4.x up to
// 4.24 logs every gateway of the machine to one /tmp/openclaw file, watched by this daemon or not.
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/common/types.js";
import { isOwnLogLine, type LogPeers } from "../../src/detect/local-health.js";

const FILE = "/tmp/openclaw/openclaw-2026-12-02.log";
const ME = "a".repeat(64);
const OTHER = "b".repeat(64);

function line(extra: Partial<Observation>): Observation {
  return { kind: "pairing-required-close", source: "log", atMs: 0, text: "closed before connect", ...extra };
}

const alone = {
  file: FILE,
  peers: { sharedFiles: new Set<string>(), undecided: false },
  port: 18790,
  deviceId: ME,
};
const shared: LogPeers = { sharedFiles: new Set([FILE]), undecided: false };

describe("isOwnLogLine", () => {
  it("never takes a line naming another gateway's port, even when no other watched state shares the file", () => {
    expect(isOwnLogLine(line({ gatewayPort: 18790, deviceId: OTHER }), alone)).toBe(true);
    expect(isOwnLogLine(line({ gatewayPort: 18799, deviceId: ME }), alone)).toBe(false);
    expect(isOwnLogLine(line({ gatewayPort: 18799 }), { ...alone, peers: undefined })).toBe(false);
  });

  it("takes every other line while it is the only watched state on the file", () => {
    expect(isOwnLogLine(line({ deviceId: OTHER }), alone)).toBe(true);
    expect(isOwnLogLine(line({ kind: "gateway-connect-failed" }), alone)).toBe(true);
    // this gateway's port is not known yet: a port cannot rule a line out
    expect(isOwnLogLine(line({ gatewayPort: 18799 }), { ...alone, port: undefined })).toBe(true);
  });

  it("where watched states share the file, takes a line by port, else by device, else not at all", () => {
    const own = { ...alone, peers: shared };
    expect(isOwnLogLine(line({ gatewayPort: 18790, deviceId: OTHER }), own)).toBe(true);
    expect(isOwnLogLine(line({ deviceId: ME }), own)).toBe(true);
    expect(isOwnLogLine(line({ deviceId: OTHER }), own)).toBe(false);
    expect(isOwnLogLine(line({ kind: "gateway-connect-failed" }), own)).toBe(false);
    // another watched state is still starting: it may share the file
    const starting = { ...alone, peers: { sharedFiles: new Set<string>(), undecided: true } };
    expect(isOwnLogLine(line({ deviceId: OTHER }), starting)).toBe(false);
  });
});
