// Approve from the notification, the pure part: which request a notification offers (only one approvalVerdict
// accepts), what a click grants, how a changed request is told apart, the result texts; and the buttons'
// plumbing on the platforms that cannot run here (a WSL toast and a macOS notification: node-notifier's
// options and its answer are checked as data, and the channel is driven with a stand-in backend).

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Rendered } from "../../src/actions/notify/channel.js";
import { createDesktopChannel, type DesktopMessage } from "../../src/actions/notify/desktop.js";
import {
  chosenButton,
  nodeNotifierActionOptions,
  notifySendArgs,
} from "../../src/actions/notify/desktop-actions.js";
import type {
  Finding,
  LocalIdentity,
  PairedDevice,
  PairingSnapshot,
  PendingRequest,
} from "../../src/common/types.js";
import { parseOpenClawVersion } from "../../src/detect/version.js";
import {
  type ApproveOffer,
  approveOffer,
  clickResultText,
  nextOffer,
  OFFER_ACTIONS,
  type OfferInput,
  offerChanges,
} from "../../src/policy/approve-offer.js";

const NOW = 1_795_757_700_000;
const DEVICE = "00479231b468fd12c55a3a7d23cba3e59c6bcea3e0b18ea9f0f0d6a4e50115d8";
const KEY = "vqqlQiJBxOywVZ9FpaLZDrQY271NUCu1xjocpdj9Qx0";
const REQUEST = "6a5c0031-71b0-4300-89a1-58b9cba9a119";
const STATE = "/home/u/.openclaw";
const CLI = [
  "operator.admin",
  "operator.approvals",
  "operator.pairing",
  "operator.read",
  "operator.talk.secrets",
  "operator.write",
];

const identity: LocalIdentity = {
  deviceId: DEVICE,
  storedDeviceId: DEVICE,
  publicKey: KEY,
  source: "identity/device.json",
};
const paired: PairedDevice = {
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
};
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
    scopes: CLI,
    silent: false,
    isRepair: true,
    ts: NOW - 30_000,
    ...over,
  };
}
function input(requests: PendingRequest[], over: Partial<OfferInput> = {}): OfferInput {
  const snapshot: PairingSnapshot = {
    store: "files",
    identity,
    deviceAuth: null,
    paired: [paired],
    pending: requests,
    legacyDeviceAuthFile: false,
    problems: [],
  };
  return { snapshot, nowMs: NOW, store: "files", haveCli: true, stateDir: STATE, ...over };
}
const finding = (requestId: string, over: Partial<Finding> = {}): Finding => ({
  code: "scope-upgrade-pending",
  severity: "warning",
  message: "m",
  deviceId: DEVICE,
  requestId,
  stateDir: STATE,
  ...over,
});
const note = (findings: Finding[], kind: "new" | "recovered" | "rate-limited" = "new") => ({
  kind,
  members: findings.map((f) => ({ finding: f })),
});

describe("which request a notification offers", () => {
  it("the local device's own request that passes every guard: exactly its scopes, until it expires", () => {
    expect(approveOffer(note([finding(REQUEST)]), input([pending()]))).toEqual({
      requestId: REQUEST,
      deviceId: DEVICE,
      publicKey: KEY,
      roles: ["operator"],
      scopes: CLI,
      stateDir: STATE,
      expiresAtMs: NOW - 30_000 + 5 * 60_000,
    });
  });

  it.each<[string, Partial<PendingRequest>]>([
    ["another public key", { publicKey: "Zm9yZ2VkLWtleS1mb3ItdGhlLXNhbWUtZGV2aWNlLWlkAA" }],
    ["a recorded address (not a direct local client)", { remoteIp: "127.0.0.1" }],
    ["a browser client", { clientId: "openclaw-control-ui" }],
    ["a node role", { role: "node", roles: ["node"] }],
    ["a metadata upgrade", { platform: "darwin" }],
    ["an expired request", { ts: NOW - 6 * 60_000 }],
  ])("none for %s", (_what, over) => {
    expect(approveOffer(note([finding(REQUEST)]), input([pending(over)]))).toBeNull();
  });

  it("none for another device's request, a request only a log line names, or another state's finding", () => {
    const other = "ff".repeat(32);
    expect(
      approveOffer(note([finding(REQUEST, { deviceId: other })]), input([pending({ deviceId: other })])),
    ).toBeNull();
    expect(approveOffer(note([finding(REQUEST)]), input([]))).toBeNull();
    expect(approveOffer(note([finding(REQUEST, { stateDir: "/elsewhere" })]), input([pending()]))).toBeNull();
  });

  it("none without the files store or an openclaw executable, and none for a recovery or a rate-limit summary", () => {
    expect(approveOffer(note([finding(REQUEST)]), input([pending()], { store: "sqlite" }))).toBeNull();
    expect(approveOffer(note([finding(REQUEST)]), input([pending()], { haveCli: false }))).toBeNull();
    expect(approveOffer(note([finding(REQUEST)], "recovered"), input([pending()]))).toBeNull();
    expect(approveOffer(note([finding(REQUEST)], "rate-limited"), input([pending()]))).toBeNull();
  });

  it.each([
    ["2026.4.20", true],
    ["2026.4.29", false],
    ["2026.6.35", false],
    ["2026.7.35", true],
  ])(
    "on OpenClaw %s an Approve button: %s (4.25 to 7.34: the CLI approve fails with unknown requestId)",
    (v, offered) => {
      const offer = approveOffer(
        note([finding(REQUEST)]),
        input([pending()], { version: parseOpenClawVersion(v) }),
      );
      expect(offer !== null).toBe(offered);
    },
  );

  it("the first member's request that passes, skipping one the guards refuse", () => {
    const bad = "11111111-2222-4333-8444-555555555555";
    const offer = approveOffer(
      note([finding(bad), finding(REQUEST)]),
      input([pending({ requestId: bad, remoteIp: "10.0.0.1" }), pending()]),
    );
    expect(offer?.requestId).toBe(REQUEST);
  });

  it("after a change, the device's newest request that passes", () => {
    const newer = "22222222-2222-4333-8444-555555555555";
    expect(
      nextOffer(DEVICE, input([pending(), pending({ requestId: newer, ts: NOW - 1_000 })]))?.requestId,
    ).toBe(newer);
    expect(nextOffer(DEVICE, input([pending({ clientId: "webchat" })]))).toBeNull();
  });
});

describe("a request that changed since its notification", () => {
  const offer = approveOffer(note([finding(REQUEST)]), input([pending()])) as ApproveOffer;
  it.each<[string, PendingRequest | undefined, RegExp | null]>([
    ["the same request", pending(), null],
    ["gone", undefined, /no longer pending/],
    ["more scopes", pending({ scopes: [...CLI, "operator.talk"] }), /now asks for .*operator\.talk/],
    ["fewer scopes", pending({ scopes: ["operator.read"] }), /now asks for operator\.read instead of/],
    ["another role", pending({ roles: ["operator", "node"] }), /roles changed/],
    ["another key", pending({ publicKey: "x" }), /public key changed/],
  ])("%s", (_what, now, expected) => {
    const changes = offerChanges(offer, now);
    if (expected === null) expect(changes).toEqual([]);
    else expect(changes.join("; ")).toMatch(expected);
  });
});

describe("the click's result notification", () => {
  const offer = approveOffer(note([finding(REQUEST)]), input([pending()])) as ApproveOffer;
  it("says nothing after a heal (the recovery notification does)", () => {
    expect(clickResultText({ offer, status: "healed", message: "ok", healed: true })).toBeNull();
  });
  it("says why and names the new request after a change", () => {
    const next = { ...offer, requestId: "33333333-2222-4333-8444-555555555555" };
    const t = clickResultText({ offer, status: "changed", message: "request gone", healed: false, next });
    expect(t?.title).toMatch(/^Not approved: request 6a5c0031/);
    expect(t?.body).toContain("Nothing was approved: request gone.");
    expect(t?.body).toContain(`Now pending: request ${next.requestId}`);
  });
  it("names the profile and the reason when blocked", () => {
    const t = clickResultText({
      offer: { ...offer, profile: "work" },
      status: "blocked",
      message: "The kill switch /d/disable-remediation exists.",
      healed: false,
    });
    expect(t?.title).toContain("(profile work)");
    expect(t?.body).toContain("kill switch");
  });
});

describe("buttons where they cannot run here (WSL toast, macOS): stand-ins say so", () => {
  const offer = approveOffer(note([finding(REQUEST)]), input([pending()])) as ApproveOffer;
  const rendered = {
    kind: "new",
    severity: "critical",
    title: "T",
    body: "B",
    codes: [],
    offer,
  } as unknown as Rendered;

  it("node-notifier gets the labels as SnoreToast buttons / terminal-notifier actions; its answer maps back to a key", () => {
    const o = nodeNotifierActionOptions({
      title: "T",
      message: "B",
      buttons: OFFER_ACTIONS,
      expireMs: 120_000,
    });
    expect(o).toEqual({
      title: "T",
      message: "B",
      actions: ["Approve", "Details"],
      wait: true,
      timeout: 120,
    });
    expect(chosenButton(OFFER_ACTIONS, { activationType: "Approve" })).toBe("approve"); // SnoreToast
    expect(chosenButton(OFFER_ACTIONS, { activationValue: "Details" })).toBe("details"); // terminal-notifier
    expect(chosenButton(OFFER_ACTIONS, { activationType: "timeout" })).toBeNull();
    expect(chosenButton(OFFER_ACTIONS, undefined)).toBeNull();
  });

  it("notify-send gets --action per button, line-buffered, expiring with the request", () => {
    expect(
      notifySendArgs({
        title: "-T",
        message: "B",
        severity: "warning",
        buttons: OFFER_ACTIONS,
        expireMs: 90_000,
      }),
    ).toEqual([
      "-oL",
      "notify-send",
      "--print-id",
      "--app-name=OpenClaw Scope Watchdog",
      "--urgency=normal",
      "--expire-time=90000",
      "--action=approve=Approve",
      "--action=details=Details",
      "--",
      "-T",
      "B",
    ]);
  });

  it("a WSL toast with an offer carries the buttons, and a click reaches the handler with that offer", async () => {
    // SnoreToast's builds as node-notifier vendors them (there is no Windows to run them: the backend stands in)
    const vendor = await mkdtemp(path.join(os.tmpdir(), "sw-snore-"));
    onTestFinished(() => rm(vendor, { recursive: true, force: true }));
    for (const exe of ["snoretoast-x64.exe", "snoretoast-x86.exe"])
      await writeFile(path.join(vendor, exe), "MZ", { mode: 0o755 });
    const shown: DesktopMessage[] = [];
    const clicks: [string, string][] = [];
    const channel = createDesktopChannel({
      minSeverity: "warning",
      timeoutMs: 5_000,
      now: () => NOW,
      facts: {
        platform: "linux",
        wsl: true,
        env: { WSL_INTEROP: "/" },
        uid: 0,
        arch: "x64",
        interopRegistered: () => true,
        snoreToastDir: () => vendor,
      },
      backend: async (m) => {
        shown.push(m);
      },
      onAction: (o, a) => clicks.push([o.requestId, a]),
    });
    const r = await channel.send(rendered, new AbortController().signal);
    expect(r.ok).toBe(true);
    expect(shown[0]?.actions?.buttons).toEqual(OFFER_ACTIONS);
    expect(shown[0]?.actions?.expireMs).toBe(offer.expiresAtMs - NOW);
    shown[0]?.actions?.onAction("approve");
    shown[0]?.actions?.onAction("bogus");
    expect(clicks).toEqual([[REQUEST, "approve"]]);
  });

  it("without an action handler, or for a notification without an offer, no buttons", async () => {
    const shown: DesktopMessage[] = [];
    const facts = {
      platform: "darwin" as const,
      wsl: false,
      env: {},
      uid: 0,
      arch: "x64",
      interopRegistered: () => false,
      snoreToastDir: () => null,
    };
    const backend = async (m: DesktopMessage) => {
      shown.push(m);
    };
    await createDesktopChannel({ minSeverity: "info", timeoutMs: 5_000, facts, backend }).send(
      rendered,
      new AbortController().signal,
    );
    await createDesktopChannel({
      minSeverity: "info",
      timeoutMs: 5_000,
      facts,
      backend,
      onAction: () => {},
    }).send({ ...rendered, offer: undefined } as Rendered, new AbortController().signal);
    expect(shown.map((m) => m.actions)).toEqual([undefined, undefined]);
  });
});
