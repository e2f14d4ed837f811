// OpenClaw 2026.9.6 (pairing state in SQLite): healthy and narrowed states on a real gateway, and `check` on them.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectLoopbackOnly } from "./harness/assertions.js";
import { deviceAuthPath, legacyIdentityPath, sqlitePath } from "./harness/device-identity.js";
import { baselineOf } from "./harness/devices.js";
import { useGateway } from "./harness/fixture.js";
import {
  approveRequest,
  cliDefaultScopes,
  connectLocalClient,
  listDevices,
  narrowAndRequestUpgrade,
  requestScopeUpgrade,
  requireLocalIdentity,
  subagentCall,
} from "./harness/scenarios.js";
import { checkGateway, problems } from "./harness/watchdog.js";

const VERSION = "2026.9.6";
const SCOPE_UPGRADE_REASON = "pairing required: device is asking for more scopes than currently approved";
const UPGRADE_SCOPES = ["operator.read", "operator.write"];

describe(`OpenClaw ${VERSION}: SQLite pairing state`, () => {
  it("a healthy gateway reads as healthy from SQLite, fresh and with the primary identity paired", async () => {
    const gateway = await useGateway({ version: VERSION });
    expectLoopbackOnly(gateway);
    // the gateway itself creates the `primary` identity row at startup; its CLI connects without a device
    const identity = await requireLocalIdentity(gateway);
    expect(existsSync(sqlitePath(gateway.stateDir))).toBe(true);
    expect(existsSync(legacyIdentityPath(gateway.stateDir))).toBe(false);
    expect((await listDevices(gateway)).list).toEqual({ pending: [], paired: [] });

    const fresh = await checkGateway(gateway);
    expect(fresh.result.code).toBe(0);
    expect(fresh.report?.ok).toBe(true);
    expect(fresh.report?.openclaw).toMatchObject({
      version: VERSION,
      stateDir: gateway.stateDir,
      store: "sqlite",
    });
    expect(fresh.report && problems(fresh.report)).toEqual([]);

    // a local client signing with the primary identity is paired silently with what it asks for
    const paired = await connectLocalClient(gateway, identity, cliDefaultScopes(VERSION));
    expect(paired.hello?.scopes.toSorted()).toEqual(cliDefaultScopes(VERSION).toSorted());
    const after = await checkGateway(gateway);
    expect(after.result.code).toBe(0);
    expect(after.report?.ok).toBe(true);
    expect(after.report?.openclaw.store).toBe("sqlite");
    expect(after.report?.device?.deviceId).toBe(identity.deviceId);
    expect(after.report?.device?.approvedScopes).toEqual(expect.arrayContaining(cliDefaultScopes(VERSION)));
    expect(after.report && problems(after.report)).toEqual([]);
    // the watchdog must not recreate the retired JSON files
    expect(existsSync(deviceAuthPath(gateway.stateDir))).toBe(false);
    expect(existsSync(legacyIdentityPath(gateway.stateDir))).toBe(false);

    expectLoopbackOnly(gateway);
  });

  it("with autoApproveLocal off the harness narrows the device and leaves an upgrade pending", async () => {
    const gateway = await useGateway({ version: VERSION });
    const { identity, narrow, refused, reload } = await narrowAndRequestUpgrade(gateway, UPGRADE_SCOPES);
    expect(reload).toBe("hot-reload");
    expect(narrow.hello).toMatchObject({ protocol: 4, scopes: ["operator.approvals"] });
    expect(narrow.storedAuth).toBeNull();

    expect(refused.hello).toBeNull();
    expect(refused.close?.code).toBe(1008);
    const reason = refused.close?.reason ?? "";
    expect(reason.startsWith(`${SCOPE_UPGRADE_REASON} (requestId: `)).toBe(true);
    const requestId = refused.connectError?.frame.details?.requestId;
    expect(`${SCOPE_UPGRADE_REASON} (requestId: ${String(requestId)})`.startsWith(reason)).toBe(true);
    expect(refused.connectError?.frame).toMatchObject({
      code: "NOT_PAIRED",
      details: {
        code: "PAIRING_REQUIRED",
        reason: "scope-upgrade",
        deviceId: identity.deviceId,
        requestedScopes: UPGRADE_SCOPES,
        approvedScopes: ["operator.approvals"],
      },
    });
    // 9.x lets backend self-calls through whatever the pairing says: the seed's subagent failure is fixed here
    const backend = await subagentCall(gateway, identity, { scopes: ["operator.write"] });
    expect(backend.call).toMatchObject({ ok: true, method: "sessions.list" });

    const { list } = await listDevices(gateway);
    const device = list.paired.find((d) => d.deviceId === identity.deviceId);
    expect(device && baselineOf(device)).toEqual(["operator.approvals"]);
    expect(device?.approvedVia).toBe("silent");
    expect(list.pending).toHaveLength(1);
    expect(list.pending[0]).toMatchObject({
      requestId,
      deviceId: identity.deviceId,
      scopes: UPGRADE_SCOPES,
      isRepair: true,
    });
    const refusedLine = `code=1008 reason=${SCOPE_UPGRADE_REASON} (requestId: ${String(requestId).slice(0, 8)}`;
    expect(gateway.logFile).toBe(gateway.configuredLogFile);
    expect(gateway.closedBeforeConnect("log").some((l) => l.includes(refusedLine))).toBe(true);
    expect(gateway.closedBeforeConnect("stdout").some((l) => l.includes(refusedLine))).toBe(true);

    // OpenClaw 2026.9.6's CLI asks for the request's scopes plus operator.pairing only, but the gateway wants the
    // caller to hold the merged baseline too, so approving this upgrade through the CLI is refused
    const refusedApproval = await gateway.openclaw(["devices", "approve", String(requestId), "--json"]);
    expect(refusedApproval.code).toBe(1);
    expect(refusedApproval.stderr).toContain("missing scope: operator.approvals");

    // an upgrade that includes operator.admin merges into one new request, which the CLI approves as admin
    const widened = await requestScopeUpgrade(gateway, identity, ["operator.admin"]);
    expect(widened.close?.code).toBe(1008);
    const { list: widenedList } = await listDevices(gateway);
    expect(widenedList.pending).toHaveLength(1);
    const widenedRequest = widenedList.pending[0];
    expect(widenedRequest?.requestId).not.toBe(requestId);
    expect(widenedRequest?.scopes.toSorted()).toEqual(["operator.admin", ...UPGRADE_SCOPES].toSorted());
    await approveRequest(gateway, widenedRequest?.requestId ?? "");
    const retried = await requestScopeUpgrade(gateway, identity, ["operator.admin"]);
    expect(retried.connectError).toBeNull();
    expect(retried.hello?.scopes).toEqual(["operator.admin"]);
    const { list: fixed } = await listDevices(gateway);
    expect(fixed.pending).toEqual([]);
    expect(fixed.paired.find((d) => d.deviceId === identity.deviceId)?.approvedVia).toBe("owner");

    expectLoopbackOnly(gateway);
  });

  it("scope-watchdog check reports the narrowed device and the pending upgrade from SQLite", async () => {
    const gateway = await useGateway({ version: VERSION });
    const { identity } = await narrowAndRequestUpgrade(gateway, UPGRADE_SCOPES);
    const { list } = await listDevices(gateway);
    expect(list.pending).toHaveLength(1);
    const requestId = list.pending[0]?.requestId ?? "";

    const { result, report } = await checkGateway(gateway);
    expect(result.code).toBe(1);
    expect(report?.ok).toBe(false);
    expect(report?.openclaw).toMatchObject({ version: VERSION, stateDir: gateway.stateDir, store: "sqlite" });
    expect(report?.device).toMatchObject({
      deviceId: identity.deviceId,
      approvedScopes: ["operator.approvals"],
    });

    const missing = report?.findings.find((f) => f.code === "baseline-missing-scope");
    expect(missing).toMatchObject({ deviceId: identity.deviceId });
    expect(missing?.scopes?.length).toBeGreaterThan(0);
    expect(missing?.scopes).not.toContain("operator.approvals");

    const upgrade = report?.findings.find((f) => f.code === "scope-upgrade-pending");
    expect(upgrade).toMatchObject({ deviceId: identity.deviceId, requestId });
    // both count as problems (severity warning or worse), which is what makes check exit 1
    expect(report && problems(report).map((f) => f.code)).toEqual(
      expect.arrayContaining(["baseline-missing-scope", "scope-upgrade-pending"]),
    );
    expect(upgrade?.scopes).toEqual(expect.arrayContaining(UPGRADE_SCOPES));
    // `openclaw devices approve` is refused for this request on 2026.9.6 (see the test above), so the watchdog
    // must not offer it: it sends the user to the Control UI instead
    expect(upgrade?.fix?.command).toBe("openclaw dashboard");
    expect(upgrade?.fix?.explanation).toContain(requestId);
    expect(upgrade?.fix?.explanation).toContain("missing scope: operator.approvals");

    // read-only: the same request is still pending and the retired JSON files were not recreated
    const { list: again } = await listDevices(gateway);
    expect(again.pending.map((p) => p.requestId)).toEqual([requestId]);
    expect(existsSync(deviceAuthPath(gateway.stateDir))).toBe(false);
    expect(existsSync(legacyIdentityPath(gateway.stateDir))).toBe(false);

    expectLoopbackOnly(gateway);
  });
});
