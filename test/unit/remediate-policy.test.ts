// The remediation policy: one table row per safety invariant (DESIGN §5) and per hostile input, the modes, the
// bounds, and the config section's validation.

import { describe, expect, it } from "vitest";
import type { LocalIdentity, PairedDevice, PendingRequest } from "../../src/common/types.js";
import { configJsonSchema, configSchema } from "../../src/config/schema.js";
import { remediationSchema } from "../../src/config/schema-remediation.js";
import { validateConfig } from "../../src/config/validate.js";
import { checkRequest, type GuardId, isLoopbackAddress } from "../../src/detect/guards.js";
import { parseOpenClawVersion } from "../../src/detect/version.js";
import {
  CLI_DEFAULT_SCOPES,
  type Decision,
  decideRemediation,
  type RemediationInput,
} from "../../src/policy/remediate.js";
import { type Attempt, backoffMs } from "../../src/policy/remediate-bounds.js";

const NOW = 1_795_757_700_000;
const MIN = 60_000;
const DEVICE = "00479231b468fd12c55a3a7d23cba3e59c6bcea3e0b18ea9f0f0d6a4e50115d8";
const KEY = "vqqlQiJBxOywVZ9FpaLZDrQY271NUCu1xjocpdj9Qx0";
const OTHER_KEY = "Zm9yZ2VkLWtleS1mb3ItdGhlLXNhbWUtZGV2aWNlLWlkAA";
const REQUEST = "6a5c0031-71b0-4300-89a1-58b9cba9a119";

const identity: LocalIdentity = {
  deviceId: DEVICE,
  storedDeviceId: DEVICE,
  publicKey: KEY,
  source: "identity/device.json",
};

function paired(over: Partial<PairedDevice> = {}): PairedDevice {
  return {
    deviceId: DEVICE,
    publicKey: KEY,
    platform: "linux",
    clientId: "cli",
    clientMode: "cli",
    role: "operator",
    roles: ["operator"],
    scopes: ["operator.approvals"],
    approvedScopes: ["operator.approvals"],
    tokens: [{ role: "operator", scopes: ["operator.approvals"] }],
    ...over,
  };
}

/** The request the real 2026.4.20 CLI's own connect created in the lab (fields exactly as listed). */
function pending(over: Partial<PendingRequest> = {}): PendingRequest {
  return {
    requestId: REQUEST,
    deviceId: DEVICE,
    publicKey: KEY,
    platform: "linux",
    clientId: "cli",
    clientMode: "cli",
    role: "operator",
    roles: ["operator"],
    scopes: [
      "operator.admin",
      "operator.read",
      "operator.write",
      "operator.approvals",
      "operator.pairing",
      "operator.talk.secrets",
    ],
    silent: false,
    isRepair: true,
    ts: NOW - 10_000,
    ...over,
  };
}

function input(
  over: Partial<RemediationInput> = {},
  requests = [pending()],
  devices = [paired()],
): RemediationInput {
  return {
    nowMs: NOW,
    config: {
      policy: "approve-local",
      allowScopes: CLI_DEFAULT_SCOPES,
      maxPerHour: 3,
      backoff: { initial: MIN, max: 30 * MIN },
      regressionWindow: 30 * MIN,
      expiryMargin: 30_000,
    },
    snapshot: {
      store: "files",
      identity,
      deviceAuth: null,
      paired: devices,
      pending: requests,
      legacyDeviceAuthFile: false,
      problems: [],
    },
    requiredScopes: ["operator.admin"],
    version: parseOpenClawVersion("2026.4.20"),
    store: "files",
    history: { attempts: [] },
    ledgerProblem: null,
    killSwitch: { active: false, file: "/data/disable-remediation" },
    haveCli: true,
    openclawConfig: { file: "/home/u/.openclaw/openclaw.json", mode: null, problem: null },
    findings: [],
    ...over,
  };
}

const guardCtx = (over: { paired?: PairedDevice | undefined; allowScopes?: string[] } = {}) => ({
  nowMs: NOW,
  identity,
  paired: "paired" in over ? over.paired : paired(),
  allowScopes: over.allowScopes ?? CLI_DEFAULT_SCOPES,
  expiryMarginMs: 30_000,
});

const approvals = (ds: Decision[]) =>
  ds.filter((d) => d.action === "approve" || d.action === "request-repair");

describe("releases where the CLI cannot approve the device's own request (2026.4.25 to 2026.7.34)", () => {
  it.each(["2026.4.29", "2026.5.28", "2026.6.35"])(
    "%s: notifies with the Control UI instead of approving",
    (v) => {
      const ds = decideRemediation(
        input({
          version: parseOpenClawVersion(v),
          requiredScopes: ["operator.approvals", "operator.read", "operator.write"],
        }),
      );
      expect(approvals(ds)).toEqual([]);
      expect(ds).toHaveLength(1);
      expect(ds[0]).toMatchObject({ action: "notify", requestId: REQUEST, command: "openclaw dashboard" });
      expect(ds[0]?.reasons.join(" ")).toContain('"unknown requestId"');
    },
  );

  it.each(["2026.4.24", "2026.7.35"])("%s: approves as before", (v) => {
    const ds = decideRemediation(
      input({
        version: parseOpenClawVersion(v),
        requiredScopes: ["operator.approvals", "operator.read", "operator.write"],
      }),
    );
    expect(approvals(ds).map((d) => d.requestId)).toEqual([REQUEST]);
  });
});

describe("the seed's state (2026.4.20, approvals-only baseline, the CLI's own request pending)", () => {
  it("approve-local approves exactly that request, with reasons", () => {
    const ds = decideRemediation(input());
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ action: "approve", requestId: REQUEST, deviceId: DEVICE });
    expect(ds[0]?.scopes).toEqual([...CLI_DEFAULT_SCOPES]);
    expect(ds[0]?.reasons.join(" ")).toMatch(/lacks operator\.admin/);
    expect(checkRequest(pending(), guardCtx())).toEqual([]);
  });
});

describe("every guard refuses its hostile input (and nothing else refuses it)", () => {
  const cases: [string, Partial<PendingRequest>, GuardId[]][] = [
    ["another device's request", { deviceId: "f".repeat(64), publicKey: OTHER_KEY }, ["own-device"]],
    ["this device id with a different public key", { publicKey: OTHER_KEY }, ["own-key"]],
    ["a LAN remoteIp", { remoteIp: "192.168.1.20" }, ["loopback"]],
    ["a public remoteIp", { remoteIp: "203.0.113.9" }, ["loopback"]],
    ["an IPv4-mapped LAN address", { remoteIp: "::ffff:10.0.0.1" }, ["loopback"]],
    ["a loopback-looking host name", { remoteIp: "127.0.0.1.nip.io" }, ["loopback"]],
    ["the name localhost instead of an address", { remoteIp: "localhost" }, ["loopback"]],
    ["two addresses in one field", { remoteIp: "127.0.0.1, 10.0.0.1" }, ["loopback"]],
    ["the browser Control UI", { clientId: "openclaw-control-ui", clientMode: "ui" }, ["client"]],
    ["webchat", { clientId: "webchat", clientMode: "webchat" }, ["client"]],
    ["webchat-ui", { clientId: "webchat-ui", clientMode: "webchat" }, ["client"]],
    ["the iOS app", { clientId: "openclaw-ios", clientMode: "ui" }, ["client"]],
    ["the Android app", { clientId: "openclaw-android", clientMode: "ui" }, ["client"]],
    ["the macOS desktop app", { clientId: "openclaw-macos", clientMode: "ui" }, ["client"]],
    ["a node host", { clientId: "node-host", clientMode: "node" }, ["client"]],
    ["an unknown client id", { clientId: "totally-the-cli" }, ["client"]],
    ["no client id", { clientId: undefined }, ["client"]],
    ["the cli id in node mode", { clientMode: "node" }, ["client"]],
    ["the node role", { role: "node", roles: ["node"] }, ["role", "role-upgrade"]],
    ["operator plus node", { roles: ["operator", "node"] }, ["role", "role-upgrade"]],
    ["a platform change", { platform: "darwin" }, ["metadata-upgrade"]],
    ["a dropped platform", { platform: undefined }, ["metadata-upgrade"]],
    ["a new device family", { deviceFamily: "iPhone" }, ["metadata-upgrade"]],
    [
      "one scope outside the allow-list",
      { scopes: [...CLI_DEFAULT_SCOPES, "operator.questions"] },
      ["allow-list"],
    ],
    ["a plugin scope", { scopes: ["operator.admin", "plugin.shell.exec"] }, ["allow-list"]],
    ["an expired request", { ts: NOW - 301_000 }, ["expiry"]],
    ["a request expiring within the safety margin", { ts: NOW - 280_000 }, ["expiry"]],
    ["a timestamp in the future", { ts: NOW + 10 * MIN }, ["expiry"]],
    ["a request id that is an option", { requestId: "--url=ws://203.0.113.9:18789" }, ["request-id"]],
    ["a request id with a space", { requestId: "abc def" }, ["request-id"]],
    ["no scopes at all", { scopes: [] }, ["scope-upgrade"]],
    ["nothing beyond the baseline (re-approval)", { scopes: ["operator.approvals"] }, ["scope-upgrade"]],
  ];

  it.each(cases)("%s", (_name, over, guards) => {
    const req = pending(over);
    expect(checkRequest(req, guardCtx()).map((r) => r.guard)).toEqual(guards);
    const ds = decideRemediation(input({}, [req]));
    expect(approvals(ds)).toEqual([]);
    const about = ds.find((d) => d.requestId === req.requestId);
    expect(about?.action).toMatch(/^(notify|skip)$/);
  });

  it("refuses the whole request when one scope is outside the allow-list, even if the rest would heal", () => {
    const ds = decideRemediation(
      input({ config: { ...input().config, allowScopes: ["operator.admin"] } }, [pending()]),
    );
    expect(approvals(ds)).toEqual([]);
    expect(ds[0]?.action).toBe("notify");
    expect(ds[0]?.reasons[0]).toMatch(/outside remediation\.allowScopes .*whole request is refused/);
  });

  it.each([
    ["no remoteIp", undefined],
    ["an empty one", ""],
    ["blanks", "  "],
  ])("accepts a direct local client: %s", (_n, ip) => {
    expect(checkRequest(pending(ip === undefined ? {} : { remoteIp: ip }), guardCtx())).toEqual([]);
  });

  // OpenClaw records remoteIp only for a client that is not directly local (behind a proxy, or remote)
  it.each(["127.0.0.1", "127.45.0.3", "::1", "::ffff:127.0.0.1", "10.9.8.7", "localhost"])(
    "refuses any recorded address, loopback included (%s)",
    (ip) => {
      expect(checkRequest(pending({ remoteIp: ip }), guardCtx()).map((r) => r.guard)).toEqual(["loopback"]);
    },
  );

  it.each(["128.0.0.1", "127.0.0.256", "::2", "0.0.0.0", ""])("isLoopbackAddress(%j) is false", (ip) => {
    expect(isLoopbackAddress(ip)).toBe(false);
  });

  it("refuses a first-time pairing of the local device", () => {
    expect(checkRequest(pending(), guardCtx({ paired: undefined })).map((r) => r.guard)).toEqual(["paired"]);
    expect(approvals(decideRemediation(input({}, [pending()], [])))).toEqual([]);
  });

  it("refuses when the gateway's record has another key, and never suggests removing it automatically", () => {
    const ds = decideRemediation(input({}, [pending()], [paired({ publicKey: OTHER_KEY })]));
    expect(approvals(ds)).toEqual([]);
    expect(ds[0]).toMatchObject({ action: "notify", command: `openclaw devices remove ${DEVICE}` });
  });

  it("skips other devices' requests and never approves them, while approving the local one", () => {
    const other = pending({ requestId: "other-1", deviceId: "e".repeat(64), publicKey: OTHER_KEY });
    const ds = decideRemediation(input({}, [other, pending()]));
    expect(ds.find((d) => d.requestId === "other-1")).toMatchObject({
      action: "skip",
      command: "openclaw devices reject other-1",
    });
    expect(approvals(ds).map((d) => d.requestId)).toEqual([REQUEST]);
  });

  it("answers a flood of other devices' requests with one small decision, never one per request", () => {
    const flood = Array.from({ length: 5_000 }, (_, i) =>
      pending({ requestId: `o${i}`, deviceId: i.toString(16).padStart(64, "e"), publicKey: OTHER_KEY }),
    );
    const ds = decideRemediation(input({}, [...flood, pending()]));
    const skips = ds.filter((d) => d.action === "skip");
    expect(skips).toHaveLength(1);
    expect(skips[0]?.reasons[0]).toMatch(/^5000 requests are for other devices: o0 .*; and 4995 more\./);
    expect(JSON.stringify(skips[0]).length).toBeLessThan(2_000);
    expect(skips[0]?.command).toBe("openclaw devices list");
    expect(approvals(ds).map((d) => d.requestId)).toEqual([REQUEST]);
  });

  it("approves only the newest valid local request and explains the refused one", () => {
    const hostile = pending({ requestId: "hostile", remoteIp: "10.9.8.7", ts: NOW - 5_000 });
    const ds = decideRemediation(input({}, [pending(), hostile]));
    expect(approvals(ds).map((d) => d.requestId)).toEqual([REQUEST]);
    expect(ds.find((d) => d.requestId === "hostile")?.reasons[0]).toMatch(/records the address 10\.9\.8\.7/);
  });
});

describe("policies", () => {
  it("notify (the default) changes nothing and tells the user the exact command", () => {
    const ds = decideRemediation(input({ config: { ...input().config, policy: "notify", allowScopes: [] } }));
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ action: "notify", command: `openclaw devices approve ${REQUEST}` });
  });

  it("notify never suggests approving a hostile request", () => {
    const req = pending({ clientId: "openclaw-ios" });
    const ds = decideRemediation(
      input({ config: { ...input().config, policy: "notify", allowScopes: [] } }, [req]),
    );
    expect(ds[0]?.command).toBe(`openclaw devices reject ${req.requestId}`);
    expect(ds[0]?.reasons[0]).toMatch(/the iOS app/);
    expect(ds[0]?.reasons[1]).toMatch(/^Do not approve it/);
  });

  it("approve-local never creates a request: with none pending it notifies", () => {
    const ds = decideRemediation(input({}, []));
    expect(ds).toEqual([expect.objectContaining({ action: "notify", command: "openclaw devices list" })]);
  });

  it("repair asks OpenClaw for a request with the CLI's scopes on 2026.4.20 when none is pending", () => {
    const ds = decideRemediation(input({ config: { ...input().config, policy: "repair" } }, []));
    expect(ds).toEqual([
      expect.objectContaining({
        action: "request-repair",
        deviceId: DEVICE,
        scopes: [...CLI_DEFAULT_SCOPES],
      }),
    ]);
  });

  it("repair does not trigger a request it would have to refuse (allow-list without talk.secrets)", () => {
    const allowScopes = CLI_DEFAULT_SCOPES.filter((s) => s !== "operator.talk.secrets");
    const ds = decideRemediation(input({ config: { ...input().config, policy: "repair", allowScopes } }, []));
    expect(ds).toHaveLength(1);
    expect(ds[0]?.action).toBe("notify");
    expect(ds[0]?.reasons.join(" ")).toMatch(/operator\.talk\.secrets is outside remediation\.allowScopes/);
  });

  it("repair does nothing on 2026.4.27+, where the CLI asks for least privilege", () => {
    const ds = decideRemediation(
      input(
        {
          config: { ...input().config, policy: "repair" },
          version: parseOpenClawVersion("2026.4.27"),
          requiredScopes: ["operator.approvals", "operator.read", "operator.write"],
        },
        [],
      ),
    );
    expect(ds.map((d) => d.action)).toEqual(["notify"]);
  });

  it.each([
    [
      "the SQLite era (2026.8+)",
      { store: "sqlite" as const, version: parseOpenClawVersion("2026.9.6") },
      /SQLite/,
    ],
    ["an unknown version", { store: "unknown" as const, version: null }, /version is unknown/],
    ["no openclaw executable", { haveCli: false }, /No openclaw executable/],
    [
      "a CLI configured for a remote gateway",
      { openclawConfig: { file: "/s/openclaw.json", mode: "remote", problem: null } },
      /gateway\.mode to remote/,
    ],
    [
      "an openclaw.json that cannot be read",
      { openclawConfig: { file: "/s/openclaw.json", mode: null, problem: "permission denied" } },
      /\/s\/openclaw\.json permission denied: the watchdog cannot tell which gateway/,
    ],
    [
      "an openclaw.json that does not parse",
      { openclawConfig: { file: "/s/openclaw.json", mode: null, problem: "is not valid JSON5" } },
      /is not valid JSON5/,
    ],
    ["the kill switch", { killSwitch: { active: true, file: "/data/disable-remediation" } }, /kill switch/],
    [
      "a kill switch that cannot be examined",
      {
        killSwitch: {
          active: true,
          file: "/data/disable-remediation",
          problem: "cannot be examined (EACCES)",
        },
      },
      /cannot be examined \(EACCES\): it counts as on/,
    ],
    [
      "the kill switch the watchdog engaged itself",
      { killSwitch: { active: true, file: "/data/k", haltReason: "the approve granted operator.questions" } },
      /after an approval it could not verify \(the approve granted operator\.questions\)/,
    ],
    [
      "an unsafe state folder",
      {
        findings: [
          {
            code: "state-path-unsafe" as const,
            severity: "warning" as const,
            message: "m",
            file: "/s/devices",
          },
        ],
      },
      /not private to you \(\/s\/devices\)/,
    ],
    [
      "an open device-identity-changed",
      {
        findings: [{ code: "device-identity-changed" as const, severity: "warning" as const, message: "m" }],
      },
      /identity changed/,
    ],
    [
      "a ledger that cannot be read",
      { ledgerProblem: "/data/remediation-ledger.json is not valid JSON" },
      /ledger \/data\/remediation-ledger\.json is not valid JSON: without the record of past attempts/,
    ],
  ])("only notifies on %s", (_n, over, why) => {
    const ds = decideRemediation(input(over));
    expect(approvals(ds)).toEqual([]);
    expect(ds[0]?.action).toBe("notify");
    expect(ds[0]?.reasons.join(" ")).toMatch(why);
  });

  it("decides nothing when the device holds what it needs and nothing is pending", () => {
    const healthy = paired({ scopes: [...CLI_DEFAULT_SCOPES], approvedScopes: [...CLI_DEFAULT_SCOPES] });
    expect(decideRemediation(input({}, [], [healthy]))).toEqual([]);
  });
});

describe("bounds", () => {
  const attempt = (agoMs: number, healed: boolean): Attempt => ({
    atMs: NOW - agoMs,
    deviceId: DEVICE,
    action: "approve",
    status: healed ? "healed" : "not-healed",
    healed,
  });
  const withHistory = (attempts: Attempt[]) => input({ history: { attempts } });

  it("escalates instead of healing again when the device regresses within the window after a heal", () => {
    const ds = decideRemediation(withHistory([attempt(10 * MIN, true)]));
    expect(approvals(ds)).toEqual([]);
    expect(ds[0]?.action).toBe("notify");
    expect(ds[0]?.reasons.join(" ")).toMatch(/lost its scopes again 10 min after the watchdog healed it/);
  });

  it("heals again once the window has passed", () => {
    expect(approvals(decideRemediation(withHistory([attempt(31 * MIN, true)])))).toHaveLength(1);
  });

  it("stops at maxPerHour and counts only the last hour", () => {
    const three = [attempt(50 * MIN, true), attempt(40 * MIN, true), attempt(35 * MIN, true)];
    const ds = decideRemediation(withHistory(three));
    expect(approvals(ds)).toEqual([]);
    expect(ds[0]?.reasons.join(" ")).toMatch(/3 automatic attempts in the last hour/);
    const old = [attempt(70 * MIN, true), attempt(65 * MIN, true), attempt(61 * MIN, true)];
    expect(approvals(decideRemediation(withHistory(old)))).toHaveLength(1);
  });

  it("waits out the backoff after failures, doubling, and tries again after it", () => {
    expect(decideRemediation(withHistory([attempt(30_000, false)]))[0]?.action).toBe("skip");
    expect(approvals(decideRemediation(withHistory([attempt(61_000, false)])))).toHaveLength(1);
    const two = [attempt(5 * MIN, false), attempt(90_000, false)];
    expect(decideRemediation(withHistory(two))[0]?.reasons.join(" ")).toMatch(/waits until/);
    const twoOld = [attempt(5 * MIN, false), attempt(121_000, false)];
    expect(approvals(decideRemediation(withHistory(twoOld)))).toHaveLength(1);
  });

  it.each([
    [0, 0],
    [1, MIN],
    [2, 2 * MIN],
    [3, 4 * MIN],
    [10, 30 * MIN],
  ])("backoffMs after %i failures is %i", (n, ms) => {
    expect(backoffMs(n, MIN, 30 * MIN)).toBe(ms);
  });
});

describe("the remediation config section", () => {
  it("defaults to notify with an empty allow-list and bounded settings", () => {
    expect(remediationSchema().parse({})).toEqual({
      policy: "notify",
      allowScopes: [],
      dryRun: false,
      maxPerHour: 3,
      backoff: { initial: 60_000, max: 1_800_000 },
      killSwitchFile: null,
      regressionWindow: 1_800_000,
      cliTimeout: 30_000,
      maxRetries: 3,
      expiryMargin: 30_000,
    });
  });

  it.each(["approve-local", "repair"])(
    "%s without allowScopes is a validation error on allowScopes",
    (policy) => {
      const r = remediationSchema().safeParse({ policy });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(["allowScopes"]);
      expect(r.error?.issues[0]?.message).toMatch(/^expected a non-empty list of scopes/);
    },
  );

  it.each([["operator.everything"], ["node.exec"], ["plugin.shell"]])(
    "refuses %s in allowScopes",
    (scope) => {
      expect(remediationSchema().safeParse({ policy: "approve-local", allowScopes: [scope] }).success).toBe(
        false,
      );
    },
  );

  it("accepts the 2026.4.18-4.24 allow-list and reports a mounted error under remediation.allowScopes", () => {
    const ok = remediationSchema().parse({
      policy: "repair",
      allowScopes: [...CLI_DEFAULT_SCOPES],
      cliTimeout: "1m",
    });
    expect(ok.cliTimeout).toBe(60_000);
    const r = validateConfig({ remediation: { policy: "approve-local" } });
    expect(r.ok ? [] : r.issues.map((i) => i.field)).toEqual(["remediation.allowScopes"]);
    expect(configSchema().parse({}).remediation.policy).toBe("notify");
    expect(configJsonSchema()).toHaveProperty(["properties", "remediation", "properties", "allowScopes"]);
  });
});
