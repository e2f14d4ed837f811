// Healing on a real OpenClaw 2026.4.20 gateway: approve-local heals the seed's regression without a human,
// repair makes OpenClaw create the missing request and approves it, another device's request is never
// approved, and notify mode changes nothing.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  baselineOf,
  cliDefaultScopes,
  connectLocalClient,
  connectOnce,
  expectLoopbackOnly,
  expectNoSecrets,
  expirePendingRequests,
  generateIdentity,
  knownSecrets,
  listDevices,
  pairLocalDeviceViaCli,
  removeDevice,
  startWatchdogDaemon,
  subagentCall,
  useGateway,
} from "./harness/index.js";

const VERSION = "2026.4.20";
const NEVER = { schedule: "0 0 1 1 *" };
const ALLOW = cliDefaultScopes(VERSION);

function auditEntries(dataDir: string): Record<string, unknown>[] {
  return readFileSync(path.join(dataDir, "audit.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe(`OpenClaw ${VERSION}: healing`, () => {
  it("approve-local heals the seed's regression without a human; the subagent call then succeeds", async () => {
    const gateway = await useGateway({ version: VERSION });
    const { identity } = await pairLocalDeviceViaCli(gateway);
    const daemon = await startWatchdogDaemon(gateway, {
      reconcile: NEVER,
      remediation: { policy: "approve-local", allowScopes: ALLOW },
    });
    await daemon.waitFor((r) => r.msg === "recorded the local device's pairing as the last good state");

    await removeDevice(gateway, identity.deviceId);
    await connectLocalClient(gateway, identity);
    const refused = await subagentCall(gateway, identity);
    expect(refused.close?.code).toBe(1008);

    const healed = await daemon.waitFor((r) => r.action === "approve" && r.status === "healed", 60_000);
    expect(String(healed.msg)).toMatch(/^remediation approve:/);
    await daemon.waitFor((r) => r.msg === "resolved: baseline-missing-scope", 30_000);
    const retry = await subagentCall(gateway, identity);
    expect(retry.connectError).toBeNull();
    expect(retry.call).toMatchObject({ ok: true, method: "sessions.list" });
    const { list } = await listDevices(gateway);
    const device = list.paired.find((d) => d.deviceId === identity.deviceId);
    expect(device && baselineOf(device)).toEqual(expect.arrayContaining(["operator.admin"]));

    const audit = auditEntries(daemon.dataDir);
    expect(statSync(path.join(daemon.dataDir, "audit.jsonl")).mode & 0o777).toBe(0o600);
    expect(audit.some((e) => e.phase === "before")).toBe(true);
    expect(audit.some((e) => e.phase === "after")).toBe(true);
    expect(await daemon.stop()).toBe(0);
    expectNoSecrets(
      `${daemon.output()}\n${readFileSync(path.join(daemon.dataDir, "audit.jsonl"), "utf8")}`,
      knownSecrets(gateway),
    );
    expectLoopbackOnly(gateway);
  });

  it("repair: with the pending request gone, OpenClaw is made to create one, which is approved and verified", async () => {
    const gateway = await useGateway({ version: VERSION });
    const { identity } = await pairLocalDeviceViaCli(gateway);
    await removeDevice(gateway, identity.deviceId);
    await connectLocalClient(gateway, identity);
    await subagentCall(gateway, identity);
    // the request expired (5-minute TTL): the test ages it; the watchdog never writes OpenClaw's files.
    // (`openclaw devices list` would create a new one: on 2026.4.x its own connect is a scope-upgrade request.)
    const stale = expirePendingRequests(gateway, identity.deviceId);
    expect(stale).toHaveLength(1);

    const daemon = await startWatchdogDaemon(gateway, {
      reconcile: NEVER,
      remediation: { policy: "repair", allowScopes: ALLOW },
    });
    const repaired = await daemon.waitFor(
      (r) => r.action === "request-repair" && r.status === "healed",
      60_000,
    );
    expect(repaired.requestId).toBeUndefined(); // it had no request to name: OpenClaw created one during the pass
    const audit = auditEntries(daemon.dataDir);
    const approved = audit.find((e) => e.phase === "after" && e.action === "request-repair");
    expect(approved).toBeDefined();
    const retry = await subagentCall(gateway, identity);
    expect(retry.call).toMatchObject({ ok: true });
    expect(await daemon.stop()).toBe(0);
    expectLoopbackOnly(gateway);
  });

  it("another device asking for operator.admin is reported and never approved", async () => {
    const gateway = await useGateway({ version: VERSION });
    await pairLocalDeviceViaCli(gateway);
    const intruder = generateIdentity();
    // a second device pairs read-only on loopback (silently, as OpenClaw does), then asks for admin
    const first = await connectOnce({
      url: gateway.url,
      token: gateway.token,
      identity: intruder,
      clientId: "cli",
      clientMode: "cli",
      scopes: ["operator.read"],
    });
    expect(first.hello).not.toBeNull();
    const daemon = await startWatchdogDaemon(gateway, {
      reconcile: { schedule: "*/2 * * * * *" }, // re-evaluate (and re-decide) every 2 s while the request waits
      remediation: { policy: "approve-local", allowScopes: ALLOW },
    });
    await daemon.waitFor((r) => r.msg === "watching OpenClaw");
    const ask = await connectOnce({
      url: gateway.url,
      token: gateway.token,
      identity: intruder,
      clientId: "cli",
      clientMode: "cli",
      scopes: ["operator.admin"],
    });
    const requestId = ask.connectError?.frame.details?.requestId;
    expect(typeof requestId).toBe("string");
    const reported = await daemon.waitFor(
      (r) => r.code === "pairing-request-other-device" && r.requestId === requestId,
    );
    expect(reported.severity).toBe("warning");
    // several reconciles later it is still pending and the intruder still has only operator.read
    await daemon.waitFor(
      (r) =>
        r.msg === "evaluated" &&
        r.trigger === "reconcile" &&
        Date.parse(r.time) > Date.parse(reported.time) + 4_000,
      30_000,
    );
    const { list } = await listDevices(gateway);
    expect(list.pending.map((p) => p.requestId)).toContain(requestId);
    const paired = list.paired.find((d) => d.deviceId === intruder.deviceId);
    expect(paired && baselineOf(paired)).toEqual(["operator.read"]);
    expect(daemon.records.some((r) => r.action === "approve" && r.requestId === requestId)).toBe(false);
    expect(await daemon.stop()).toBe(0);
    expectLoopbackOnly(gateway);
  });

  it("notify mode changes nothing in the gateway's state", async () => {
    const gateway = await useGateway({ version: VERSION });
    const { identity } = await pairLocalDeviceViaCli(gateway);
    await removeDevice(gateway, identity.deviceId);
    await connectLocalClient(gateway, identity);
    const refused = await subagentCall(gateway, identity);
    const requestId = refused.connectError?.frame.details?.requestId;
    const snapshot = () => ({
      paired: readFileSync(path.join(gateway.stateDir, "devices", "paired.json"), "utf8"),
      pending: readFileSync(path.join(gateway.stateDir, "devices", "pending.json"), "utf8"),
    });
    const before = snapshot();
    const daemon = await startWatchdogDaemon(gateway, { reconcile: { schedule: "*/2 * * * * *" } });
    const pending = await daemon.waitFor((r) => r.code === "scope-upgrade-pending");
    expect(pending.requestId).toBe(requestId);
    await daemon.waitFor((r) => r.msg === "evaluated" && r.trigger === "reconcile", 30_000);
    expect(await daemon.stop()).toBe(0);
    // not even `openclaw devices list` ran: on 2026.4.x its own connect would have churned the request id
    expect(snapshot()).toEqual(before);
    expect(daemon.records.some((r) => r.action === "approve" || r.action === "request-repair")).toBe(false);
    expectLoopbackOnly(gateway);
  });
});
