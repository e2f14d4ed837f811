import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/common/types.js";
import { detectObservationFindings, type ObservationContext } from "../../src/detect/observations.js";
import { parseOpenClawVersion } from "../../src/detect/version.js";
import { CLI_SCOPES, ME, paired, pending, REF_NOW, snapshot } from "../helpers/records.js";

const NOW = REF_NOW;
const LOCAL = ME.deviceId;
/** The state the daemon read at the same time: narrowed, with the request the log line names pending. */
const narrowed = snapshot({
  paired: [paired(["operator.approvals"])],
  pending: [pending(CLI_SCOPES, { requestId: "r1" })],
});
const WATCHDOG = "w".repeat(64);
const ctx: ObservationContext = {
  nowMs: NOW,
  windowMs: 600_000,
  localDeviceId: LOCAL,
  watchdogDeviceId: WATCHDOG,
  healthySinceMs: null,
  version: parseOpenClawVersion("2026.4.20"),
  unreachableAfterMs: 120_000,
  snapshot: narrowed,
};

function obs(kind: Observation["kind"], extra: Partial<Observation> = {}): Observation {
  return { kind, source: "log", atMs: NOW - 10_000, text: kind, ...extra };
}

const close = (extra: Partial<Observation> = {}) =>
  obs("pairing-required-close", {
    deviceId: LOCAL,
    requestId: "r1",
    reason: "scope-upgrade",
    code: 1008,
    closeReason: "pairing required: device is asking for more scopes than currently approved (requestId: r1)",
    scopes: ["operator.write"],
    ...extra,
  });

describe("detectObservationFindings", () => {
  it("turns a refused local connect into pairing-required-close with the approve fix", () => {
    const fs = detectObservationFindings([close()], ctx);
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({
      code: "pairing-required-close",
      severity: "warning",
      deviceId: LOCAL,
      requestId: "r1",
    });
    expect(fs[0]?.fix?.command).toBe("openclaw devices approve r1");
    expect(fs[0]?.message).toContain("device is asking for more scopes");
  });

  it("offers no approve command for a request id the pairing state does not hold (an id from a log line)", () => {
    const fs = detectObservationFindings([close({ requestId: "gone" })], ctx);
    expect(fs[0]?.requestId).toBe("gone");
    expect(fs[0]?.fix?.command).toBe("openclaw devices list");
    expect(fs[0]?.fix?.explanation).toMatch(
      /^Do not approve request gone: it is not among the pending requests now/,
    );
  });

  it("offers no approve command for a pending request the guards refuse, and says why and how to reject it", () => {
    const proxied = snapshot({
      paired: [paired(["operator.approvals"])],
      pending: [pending(CLI_SCOPES, { requestId: "r1", remoteIp: "127.0.0.1" })],
    });
    const fs = detectObservationFindings([close()], { ...ctx, snapshot: proxied });
    expect(fs[0]?.fix?.command).toBe("openclaw devices reject r1");
    expect(fs[0]?.fix?.explanation).toMatch(
      /^Do not approve request r1: it records the address 127\.0\.0\.1/,
    );
  });

  it("groups repeated refusals of one device into one finding with the newest request id and a count", () => {
    const fs = detectObservationFindings(
      [close({ atMs: NOW - 50_000, requestId: "old" }), close({ atMs: NOW - 5_000, requestId: "new" })],
      ctx,
    );
    expect(fs).toHaveLength(1);
    expect(fs[0]?.requestId).toBe("new");
    expect(fs[0]?.message).toMatch(/2 times in the last 10 min/);
  });

  it("attributes a bare 2026.4.18 `gateway connect failed` line to the local device when its gateway refused too", () => {
    const bare = obs("gateway-connect-failed", {
      text: "gateway connect failed: GatewayClientRequestError: pairing required",
    });
    // 4.18's own close line: `closed before connect … host=127.0.0.1:18790 … reason=pairing required`
    const gatewayClose = obs("pairing-required-close", {
      atMs: NOW - 10_500,
      gatewayPort: 18790,
      code: 1008,
      closeReason: "pairing required",
    });
    const fs = detectObservationFindings([gatewayClose, bare], ctx);
    expect(fs).toHaveLength(1);
    expect(fs[0]?.deviceId).toBe(LOCAL);
    expect(fs[0]?.fix).toBeUndefined();
    // alone (no close line of this gateway within 10 s) it is another gateway's caller on the shared 4.x log
    expect(detectObservationFindings([bare], ctx)).toEqual([]);
    // beside this gateway's 4.20 refusal naming a request (a neighbour 3.x gateway's caller, seen in CI) it is not
    expect(
      detectObservationFindings(
        [close({ atMs: NOW - 10_200, deviceId: undefined, gatewayPort: 18790 }), bare],
        ctx,
      ).map((f) => f.requestId),
    ).toEqual(["r1"]);
    // beside an older refusal of this gateway it is not counted as a second one
    const older = detectObservationFindings([{ ...gatewayClose, atMs: NOW - 25_000 }, bare], ctx);
    expect(older.map((f) => f.message.includes("2 times"))).toEqual([false]);
    expect(
      detectObservationFindings([{ ...gatewayClose, atMs: NOW - 10_500 }, bare], ctx)[0]?.message,
    ).toMatch(/2 times/);
  });

  it("keeps a device-less `gateway connect failed` line with a request id only when the request is this state's", () => {
    // 2026.4.x logs every gateway of the machine to one /tmp/openclaw file: another gateway's CLI writes these too
    const failed = (requestId: string, atMs = NOW - 10_000) =>
      obs("gateway-connect-failed", {
        requestId,
        atMs,
        text: `gateway connect failed: GatewayClientRequestError: scope upgrade pending approval (requestId: ${requestId})`,
      });
    // pending in this state's pairing state
    expect(detectObservationFindings([failed("r1")], ctx)[0]?.requestId).toBe("r1");
    // named by this gateway's own close line (which names the device, or the port)
    const own = detectObservationFindings(
      [close({ requestId: "r2", atMs: NOW - 20_000 }), failed("r2")],
      ctx,
    );
    expect(own.map((f) => f.requestId)).toEqual(["r2"]);
    expect(own[0]?.message).toMatch(/at \d\d:\d\d:\d\d: .*\.$/);
    const byPort = obs("pairing-required-close", { requestId: "r3", gatewayPort: 18790, atMs: NOW - 30_000 });
    expect(detectObservationFindings([byPort, failed("r3")], ctx)[0]?.requestId).toBe("r3");
    // known nowhere here: another gateway's request, not this machine's device's refusal
    expect(detectObservationFindings([failed("elsewhere")], ctx)).toEqual([]);
    // and a stray line newer than this state's own refusal does not take its place
    const both = detectObservationFindings(
      [close({ atMs: NOW - 20_000 }), failed("elsewhere", NOW - 1_000)],
      ctx,
    );
    expect(both.map((f) => f.requestId)).toEqual(["r1"]);
  });

  it("forgets refusals outside the window, after an approval of that device, or before the state healed", () => {
    expect(detectObservationFindings([close({ atMs: NOW - 700_000 })], ctx)).toEqual([]);
    expect(
      detectObservationFindings(
        [close(), obs("pairing-resolved", { deviceId: LOCAL, atMs: NOW - 1_000 })],
        ctx,
      ),
    ).toEqual([]);
    expect(detectObservationFindings([close()], { ...ctx, healthySinceMs: NOW - 1_000 })).toEqual([]);
    expect(detectObservationFindings([close()], { ...ctx, healthySinceMs: NOW - 60_000 })).toHaveLength(1);
  });

  it("leaves the watchdog's own device to `status`", () => {
    expect(detectObservationFindings([close({ deviceId: WATCHDOG, source: "connection" })], ctx)).toEqual([]);
  });

  it("reports another device's refusal without an approve fix", () => {
    const fs = detectObservationFindings([close({ deviceId: "b".repeat(64) })], ctx);
    expect(fs[0]?.deviceId).toBe("b".repeat(64));
    expect(fs[0]?.fix).toBeUndefined();
  });

  it("reports token and auth refusals, naming whose connection it was", () => {
    const fs = detectObservationFindings(
      [
        obs("device-token-mismatch", {
          closeReason: "unauthorized: device token mismatch (rotate/reissue device token)",
        }),
        obs("gateway-auth-failure", {
          source: "connection",
          closeReason: "unauthorized: gateway token mismatch",
        }),
      ],
      ctx,
    );
    expect(fs.map((f) => f.code)).toEqual(["device-token-mismatch", "gateway-auth-failure"]);
    expect(fs[1]?.message).toMatch(/^The watchdog's own connection was refused/);
  });

  it("reports the gateway unreachable only after it has stayed so for the grace period", () => {
    const down = (atMs: number) =>
      obs("gateway-unreachable", {
        source: "connection",
        atMs,
        text: "connect ECONNREFUSED 127.0.0.1:18790",
      });
    expect(detectObservationFindings([down(NOW - 60_000), down(NOW - 1_000)], ctx)).toEqual([]);
    const fs = detectObservationFindings([down(NOW - 180_000), down(NOW - 1_000)], ctx);
    expect(fs.map((f) => f.code)).toEqual(["gateway-unreachable"]);
    const back = detectObservationFindings(
      [down(NOW - 180_000), obs("connection-open", { source: "connection", atMs: NOW - 500 })],
      ctx,
    );
    expect(back).toEqual([]);
  });
});

describe("a listener of another user on the gateway's port", () => {
  const conn = (kind: Observation["kind"], atMs: number, text: string = kind): Observation => ({
    kind,
    source: "connection",
    atMs,
    text,
  });
  const untrusted = conn(
    "listener-untrusted",
    NOW - 20_000,
    "did not connect to ws://127.0.0.1:18790: the listener on 127.0.0.1:18790 belongs to another user (uid 65534 on 127.0.0.1:18790), not uid 1000: the gateway token is not sent to it",
  );

  it("is critical while it is the connection's latest word, and names the listener", () => {
    const fs = detectObservationFindings([untrusted], ctx);
    expect(fs.map((f) => `${f.severity}:${f.code}`)).toEqual(["critical:gateway-listener-untrusted"]);
    expect(fs[0]?.message).toMatch(/uid 65534 .*the gateway token was not sent\.$/);
  });

  it("ends once the watchdog's own connection opens again", () => {
    expect(detectObservationFindings([untrusted, conn("connection-open", NOW - 5_000)], ctx)).toEqual([]);
  });
});
