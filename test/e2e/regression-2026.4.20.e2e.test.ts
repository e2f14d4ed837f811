// OpenClaw 2026.4.20 (pairing state in files): the seed's scope regression on a real gateway, and `check` on it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectLoopbackOnly } from "./harness/assertions.js";
import { deviceAuthPath } from "./harness/device-identity.js";
import { baselineOf } from "./harness/devices.js";
import { useGateway } from "./harness/fixture.js";
import {
  approveRequest,
  cliDefaultScopes,
  connectLocalClient,
  listDevices,
  pairLocalDeviceViaCli,
  removeDevice,
  reproduceScopeRegression,
  subagentCall,
} from "./harness/scenarios.js";
import { checkGateway, problems } from "./harness/watchdog.js";

const VERSION = "2026.4.20";
const SCOPE_UPGRADE_REASON = "pairing required: device is asking for more scopes than currently approved";
/** The gateway truncates close reasons to 120 bytes, which cuts the requestId (the error frame has it whole). */
const MAX_CLOSE_REASON_BYTES = 120;

function operatorTokenScopes(stateDir: string): unknown {
  const store: unknown = JSON.parse(readFileSync(deviceAuthPath(stateDir), "utf8"));
  if (typeof store !== "object" || store === null || !("tokens" in store)) return undefined;
  const tokens: unknown = store.tokens;
  if (typeof tokens !== "object" || tokens === null || !("operator" in tokens)) return undefined;
  const operator: unknown = tokens.operator;
  return typeof operator === "object" && operator !== null && "scopes" in operator
    ? operator.scopes
    : undefined;
}

describe(`OpenClaw ${VERSION}: scope regression`, () => {
  it("the harness reproduces the seed's state, the 1008 close and the pending upgrade; approving fixes it", async () => {
    const gateway = await useGateway({ version: VERSION });
    expectLoopbackOnly(gateway);

    const { identity, device } = await pairLocalDeviceViaCli(gateway);
    expect(baselineOf(device).toSorted()).toEqual(cliDefaultScopes(VERSION).toSorted());
    expect(device).toMatchObject({ clientId: "cli", clientMode: "cli" });

    await removeDevice(gateway, identity.deviceId);
    const narrow = await connectLocalClient(gateway, identity, ["operator.approvals"]);
    // the approvals-only client re-paired the same identity narrowly, and cached that token like GatewayClient
    expect(narrow.hello?.scopes).toEqual(["operator.approvals"]);
    expect(narrow.storedAuth?.scopes).toEqual(["operator.approvals"]);
    expect(operatorTokenScopes(gateway.stateDir)).toEqual(["operator.approvals"]);

    const refused = await subagentCall(gateway, identity, {
      scopes: ["operator.write"],
      method: "sessions.list",
    });
    // the subagent-shaped call is refused exactly like the user's
    expect(refused.hello).toBeNull();
    expect(refused.call).toBeNull();
    expect(refused.close?.code).toBe(1008);
    const reason = refused.close?.reason ?? "";
    expect(reason.startsWith(`${SCOPE_UPGRADE_REASON} (requestId: `)).toBe(true);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    const refusedRequestId = refused.connectError?.frame.details?.requestId;
    expect(typeof refusedRequestId).toBe("string");
    expect(`${SCOPE_UPGRADE_REASON} (requestId: ${String(refusedRequestId)})`.startsWith(reason)).toBe(true);
    expect(refused.connectError?.frame).toMatchObject({
      code: "NOT_PAIRED",
      message: SCOPE_UPGRADE_REASON,
      details: {
        code: "PAIRING_REQUIRED",
        reason: "scope-upgrade",
        deviceId: identity.deviceId,
        requestedRole: "operator",
        requestedScopes: ["operator.write"],
        approvedScopes: ["operator.approvals"],
      },
    });

    // what the user sees: a narrow baseline and one pending upgrade for the local device
    const { list, result: listResult } = await listDevices(gateway);
    const paired = list.paired.find((d) => d.deviceId === identity.deviceId);
    expect(paired && baselineOf(paired)).toEqual(["operator.approvals"]);
    const pending = list.pending.filter((p) => p.deviceId === identity.deviceId);
    expect(pending).toHaveLength(1);
    const [upgrade] = pending;
    expect(upgrade).toMatchObject({ isRepair: true, role: "operator" });
    expect(upgrade?.scopes).toEqual(expect.arrayContaining(["operator.write", "operator.admin"]));
    // the CLI's own connect is refused too and it falls back to the local files
    expect(listResult.stderr).toContain(`scope upgrade pending approval (requestId: ${upgrade?.requestId})`);

    // the gateway logs each refusal as "closed before connect ... code=1008 reason=pairing required: ..." on stdout
    // and in its log file (2026.4.20 ignores logging.file: /tmp/openclaw/openclaw-<date>.log)
    const refusedLine = `code=1008 reason=${SCOPE_UPGRADE_REASON} (requestId: ${String(refusedRequestId).slice(0, 8)}`;
    expect(gateway.closedBeforeConnect("stdout").some((l) => l.includes(refusedLine))).toBe(true);
    expect(gateway.closedBeforeConnect("log").some((l) => l.includes(refusedLine))).toBe(true);
    expect(gateway.logFile).toMatch(/^\/tmp\/openclaw(-\d+)?\/openclaw-\d{4}-\d{2}-\d{2}\.log$/);

    await approveRequest(gateway, upgrade?.requestId ?? "");
    const retry = await subagentCall(gateway, identity);
    expect(retry.connectError).toBeNull();
    expect(retry.call).toMatchObject({ ok: true, method: "sessions.list" });
    const { list: fixed } = await listDevices(gateway);
    const fixedDevice = fixed.paired.find((d) => d.deviceId === identity.deviceId);
    expect(fixedDevice && baselineOf(fixedDevice)).toEqual(expect.arrayContaining(cliDefaultScopes(VERSION)));
    expect(fixed.pending).toEqual([]);

    expectLoopbackOnly(gateway);
  });

  it("scope-watchdog check names the narrow baseline, the pending request and its fix, then reads healthy", async () => {
    const gateway = await useGateway({ version: VERSION });
    const { identity } = await reproduceScopeRegression(gateway);
    // the user's first step; its own refused connect merges into the one pending upgrade it then shows
    const { list } = await listDevices(gateway);
    const pending = list.pending.filter((p) => p.deviceId === identity.deviceId);
    expect(pending).toHaveLength(1);
    const requestId = pending[0]?.requestId ?? "";

    const { result, report } = await checkGateway(gateway);
    expect(result.code).toBe(1);
    expect(report?.ok).toBe(false);
    expect(report?.openclaw).toMatchObject({ version: VERSION, stateDir: gateway.stateDir, store: "files" });
    expect(report?.device).toMatchObject({
      deviceId: identity.deviceId,
      approvedScopes: ["operator.approvals"],
      tokenScopes: ["operator.approvals"],
    });

    const missing = report?.findings.find((f) => f.code === "baseline-missing-scope");
    expect(missing).toMatchObject({ deviceId: identity.deviceId });
    expect(missing?.scopes?.length).toBeGreaterThan(0);
    expect(missing?.scopes).not.toContain("operator.approvals");

    const upgrade = report?.findings.find((f) => f.code === "scope-upgrade-pending");
    expect(upgrade).toMatchObject({
      deviceId: identity.deviceId,
      requestId,
      fix: { command: `openclaw devices approve ${requestId}` },
    });
    // both count as problems (severity warning or worse), which is what makes check exit 1
    expect(report && problems(report).map((f) => f.code)).toEqual(
      expect.arrayContaining(["baseline-missing-scope", "scope-upgrade-pending"]),
    );

    // the fix the report names, run by hand, then the user's next CLI call refreshes identity/device-auth.json
    await approveRequest(gateway, requestId);
    const retry = await subagentCall(gateway, identity);
    expect(retry.call).toMatchObject({ ok: true, method: "sessions.list" });
    await listDevices(gateway);

    const after = await checkGateway(gateway);
    expect(after.result.code).toBe(0);
    expect(after.report?.ok).toBe(true);
    expect(after.report && problems(after.report)).toEqual([]);
    expect(after.report?.device?.approvedScopes).toEqual(expect.arrayContaining(cliDefaultScopes(VERSION)));

    expectLoopbackOnly(gateway);
  });
});
