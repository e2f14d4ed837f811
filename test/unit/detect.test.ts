import { describe, expect, it } from "vitest";
import type { Finding, PairingSnapshot } from "../../src/common/types.js";
import { type DetectInput, detectFindings, isHealthy, summarizeDevice } from "../../src/detect/findings.js";
import { parseOpenClawVersion, requiredScopesForVersion } from "../../src/detect/version.js";
import { CLI_SCOPES, ME, paired, pending, REF_NOW, snapshot } from "../helpers/records.js";

const NOW = REF_NOW;
const OTHER = { deviceId: "b".repeat(64), publicKey: "pkB" };

function input(version: string | null, snap: PairingSnapshot, extra: Partial<DetectInput> = {}): DetectInput {
  const parsed = version ? parseOpenClawVersion(version) : null;
  return {
    nowMs: NOW,
    version: parsed,
    store: snap.store,
    snapshot: snap,
    requiredScopes: requiredScopesForVersion(parsed),
    autoApproveLocal: null,
    ...extra,
  };
}

const codes = (fs: Finding[]) => fs.map((f) => `${f.severity}:${f.code}`);

describe("detectFindings", () => {
  it("reports the seed's state: approvals-only baseline and a pending upgrade that fixes it", () => {
    const fs = detectFindings(
      input(
        "2026.4.18",
        snapshot({ paired: [paired(["operator.approvals"])], pending: [pending(CLI_SCOPES)] }),
      ),
    );
    expect(codes(fs)).toEqual(["critical:baseline-missing-scope", "warning:scope-upgrade-pending"]);
    const [baseline, upgrade] = fs;
    expect(baseline?.scopes).toEqual(["operator.admin"]);
    expect(baseline?.requestId).toBe("req-1");
    expect(baseline?.fix?.command).toBe("openclaw devices approve req-1");
    expect(baseline?.fix?.durable).toMatch(/2026\.4\.25/);
    expect(baseline?.impact).toMatch(/sessions_spawn/);
    expect(upgrade?.requestId).toBe("req-1");
    expect(upgrade?.fix?.command).toBe("openclaw devices approve req-1");
    expect(isHealthy(fs)).toBe(false);
  });

  it("reads a full CLI pairing as healthy", () => {
    const fs = detectFindings(input("2026.4.20", snapshot({ paired: [paired(CLI_SCOPES)] })));
    expect(fs).toEqual([]);
    expect(isHealthy(fs)).toBe(true);
  });

  it.each([
    ["2026.4.20", "critical"],
    ["2026.5.28", "warning"],
  ] as const)("grades a read-only baseline on %s as %s", (version, severity) => {
    const fs = detectFindings(input(version, snapshot({ paired: [paired(["operator.read"])] })));
    expect(codes(fs)).toEqual([`${severity}:baseline-missing-scope`]);
    expect(fs[0]?.fix?.command).toBe("openclaw devices list");
  });

  it("on 2026.8+ with autoApproveLocal on, a narrow baseline is only info; with it off, a warning", () => {
    const snap = snapshot({ store: "sqlite", paired: [paired(["operator.approvals"])] });
    expect(codes(detectFindings(input("2026.9.6", snap)))).toEqual(["info:baseline-missing-scope"]);
    expect(codes(detectFindings(input("2026.9.6", snap, { autoApproveLocal: false })))).toEqual([
      "warning:baseline-missing-scope",
    ]);
  });

  it("uses configured required scopes instead of the version's", () => {
    const snap = snapshot({ paired: [paired(["operator.read", "operator.write"])] });
    expect(detectFindings(input("2026.4.20", snap, { requiredScopes: ["operator.write"] }))).toEqual([]);
  });

  it("takes approvedScopes over scopes as the baseline", () => {
    const fs = detectFindings(
      input("2026.4.20", snapshot({ paired: [paired(CLI_SCOPES, { approvedScopes: ["operator.read"] })] })),
    );
    expect(codes(fs)).toEqual(["critical:baseline-missing-scope"]);
  });

  it("treats a missing operator role as missing every required scope", () => {
    const fs = detectFindings(
      input("2026.4.20", snapshot({ paired: [paired(CLI_SCOPES, { roles: ["node"], role: "node" })] })),
    );
    expect(fs[0]?.code).toBe("baseline-missing-scope");
    expect(fs[0]?.message).toMatch(/no operator role/);
  });

  it("a narrow device-auth cache alone is token-scope-drift at info, not a regression", () => {
    const snap = snapshot({
      paired: [paired(CLI_SCOPES)],
      deviceAuth: {
        deviceId: ME.deviceId,
        tokens: [{ role: "operator", scopes: ["operator.approvals"] }],
        source: "x",
      },
    });
    const fs = detectFindings(input("2026.4.20", snap));
    expect(codes(fs)).toEqual(["info:token-scope-drift"]);
    expect(isHealthy(fs)).toBe(true);
  });

  it("flags a legacy device-auth.json on the SQLite store as critical", () => {
    const snap = snapshot({ store: "sqlite", paired: [paired(CLI_SCOPES)], legacyDeviceAuthFile: true });
    const fs = detectFindings(input("2026.9.6", snap));
    expect(codes(fs)).toEqual(["critical:legacy-device-auth-present"]);
    expect(fs[0]?.fix?.command).toMatch(/openclaw doctor --fix/);
    expect(codes(detectFindings(input("2026.4.20", { ...snap, store: "files" })))).toEqual([]);
  });

  it("an unpaired local device is info, with a pending first pairing a warning", () => {
    expect(codes(detectFindings(input("2026.4.20", snapshot())))).toEqual(["info:device-not-paired"]);
    const fs = detectFindings(
      input("2026.4.20", snapshot({ pending: [pending(CLI_SCOPES, { isRepair: false })] })),
    );
    expect(codes(fs)).toEqual(["warning:device-not-paired"]);
    expect(fs[0]?.requestId).toBe("req-1");
  });

  it("names role and metadata upgrades of the local device", () => {
    const role = detectFindings(
      input(
        "2026.4.20",
        snapshot({ paired: [paired(CLI_SCOPES)], pending: [pending([], { roles: ["node"], role: "node" })] }),
      ),
    );
    expect(role.map((f) => f.message).join()).toMatch(/higher role \(node\)/);
    const meta = detectFindings(
      input(
        "2026.4.20",
        snapshot({ paired: [paired(CLI_SCOPES)], pending: [pending(CLI_SCOPES, { platform: "win32" })] }),
      ),
    );
    expect(meta[0]?.message).toMatch(/platform changed \(linux -> win32\)/);
  });

  it("reports other devices' requests without offering to approve them, and warns about admin asks", () => {
    const asks = (scopes: string[], remoteIp?: string) =>
      detectFindings(
        input(
          "2026.4.20",
          snapshot({
            paired: [paired(CLI_SCOPES)],
            pending: [pending(scopes, { ...OTHER, requestId: "req-x", ...(remoteIp ? { remoteIp } : {}) })],
          }),
        ),
      );
    const admin = asks(["operator.admin"]);
    expect(codes(admin)).toEqual(["warning:pairing-request-other-device"]);
    expect(admin[0]?.fix?.command).toBe("openclaw devices reject req-x");
    expect(admin[0]?.fix?.explanation).toMatch(/^Do not approve request req-x: it is for device /);
    const remote = asks(["operator.read"], "192.168.1.20");
    expect(codes(remote)).toEqual(["info:pairing-request-other-device"]);
    expect(remote[0]?.message).toContain("from 192.168.1.20");
    for (const f of [...admin, ...remote]) expect(JSON.stringify(f)).not.toMatch(/devices approve/);
  });

  it("a flood of other devices' requests is one finding that names five and counts the rest", () => {
    const flood = Array.from({ length: 1_000 }, (_, i) =>
      pending(["operator.read"], {
        ...OTHER,
        deviceId: i.toString(16).padStart(64, "0"),
        requestId: `r${i}`,
      }),
    );
    const fs = detectFindings(input("2026.4.20", snapshot({ paired: [paired(CLI_SCOPES)], pending: flood })));
    expect(codes(fs)).toEqual(["info:pairing-request-other-device"]);
    expect(fs[0]?.message).toMatch(
      /^1000 pairing requests from other devices: request r0 .*; and 995 more\.$/,
    );
    expect(fs[0]?.message.match(/request r\d+/g)).toHaveLength(5);
    expect(fs[0]?.fix?.command).toBe("openclaw devices list");
    expect(fs[0]?.requestId).toBeUndefined();
  });

  it("a request claiming the local id with another key is a warning, and its fix says not to approve it", () => {
    const fs = detectFindings(
      input(
        "2026.4.20",
        snapshot({ paired: [paired(CLI_SCOPES)], pending: [pending(CLI_SCOPES, { publicKey: "evil" })] }),
      ),
    );
    expect(codes(fs)).toEqual(["warning:pairing-request-other-device"]);
    expect(fs[0]?.message).toMatch(/claims this machine's device id with a different public key/);
    expect(fs[0]?.fix?.command).toBe("openclaw devices reject req-1");
    expect(fs[0]?.fix?.explanation).toMatch(
      /^Do not approve request req-1: it claims this machine's device id/,
    );
  });

  it("compares with the last good state: narrowing is scope-regression, a new id device-identity-changed", () => {
    const lastGood = {
      deviceId: ME.deviceId,
      publicKey: ME.publicKey,
      approvedScopes: CLI_SCOPES,
      recordedAtMs: NOW - 3_600_000,
    };
    const narrowed = detectFindings(
      input("2026.4.20", snapshot({ paired: [paired(["operator.approvals"])] }), { lastGood }),
    );
    const regression = narrowed.find((f) => f.code === "scope-regression");
    expect(regression?.severity).toBe("critical");
    expect(regression?.scopes).toEqual([
      "operator.admin",
      "operator.pairing",
      "operator.read",
      "operator.talk.secrets",
      "operator.write",
    ]);
    const moved = detectFindings(
      input("2026.4.20", snapshot({ paired: [paired(CLI_SCOPES)] }), {
        lastGood: { ...lastGood, deviceId: "c".repeat(64) },
      }),
    );
    expect(codes(moved)).toEqual(["warning:device-identity-changed"]);
    const same = detectFindings(input("2026.4.20", snapshot({ paired: [paired(CLI_SCOPES)] }), { lastGood }));
    expect(same).toEqual([]);
  });

  it("turns each state problem into state-unreadable naming the file", () => {
    const fs = detectFindings(
      input(
        "2026.4.20",
        snapshot({
          identity: null,
          problems: [{ file: "/s/devices/paired.json", problem: "is not valid JSON" }],
        }),
      ),
    );
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({
      code: "state-unreadable",
      severity: "warning",
      file: "/s/devices/paired.json",
    });
    expect(fs[0]?.message).toContain("/s/devices/paired.json is not valid JSON");
  });

  it("says so when the version is unknown, and applies the 2026.4.25+ rules", () => {
    const fs = detectFindings(
      input(null, snapshot({ paired: [paired(["operator.read", "operator.write", "operator.approvals"])] })),
    );
    expect(codes(fs)).toEqual(["info:openclaw-version-unknown"]);
  });

  it("summarises the device with the cached token's scopes", () => {
    const snap = snapshot({
      paired: [paired(["operator.approvals"])],
      deviceAuth: {
        deviceId: ME.deviceId,
        tokens: [{ role: "operator", scopes: ["operator.approvals"] }],
        source: "x",
      },
    });
    expect(summarizeDevice(snap)).toEqual({
      deviceId: ME.deviceId,
      paired: true,
      approvedScopes: ["operator.approvals"],
      tokenScopes: ["operator.approvals"],
    });
    expect(summarizeDevice(snapshot({ identity: null }))).toBeNull();
  });
});

describe("fix commands that really work on the version", () => {
  it("on 2026.9.x sends the user to the Control UI when the CLI cannot approve (device has scopes the request lacks)", () => {
    const snap = snapshot({
      store: "sqlite",
      paired: [paired(["operator.approvals"])],
      pending: [pending(["operator.read", "operator.write"])],
    });
    const fs = detectFindings(input("2026.9.6", snap, { autoApproveLocal: false }));
    const upgrade = fs.find((f) => f.code === "scope-upgrade-pending");
    expect(upgrade?.fix?.command).toBe("openclaw dashboard");
    expect(upgrade?.fix?.explanation).toContain("missing scope: operator.approvals");
    expect(upgrade?.fix?.explanation).toContain("req-1");
  });

  it("keeps `openclaw devices approve` where the CLI holds what it needs (admin requested, or 2026.4.x)", () => {
    const widened = snapshot({
      store: "sqlite",
      paired: [paired(["operator.approvals"])],
      pending: [pending(["operator.admin", "operator.read", "operator.write"])],
    });
    expect(
      detectFindings(input("2026.9.6", widened, { autoApproveLocal: false })).find(
        (f) => f.code === "scope-upgrade-pending",
      )?.fix?.command,
    ).toBe("openclaw devices approve req-1");
    const files = snapshot({
      paired: [paired(["operator.approvals"])],
      pending: [pending(["operator.read", "operator.write"])],
    });
    expect(
      detectFindings(input("2026.4.20", files)).find((f) => f.code === "scope-upgrade-pending")?.fix?.command,
    ).toBe("openclaw devices approve req-1");
  });
});
