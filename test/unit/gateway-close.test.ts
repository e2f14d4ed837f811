// What the end of a gateway connection means: close reasons (cut at 120 bytes by the gateway), refused-connect
// details, the end of a session as data, where reconnecting pauses, and the backoff between attempts.

import { describe, expect, it } from "vitest";
import {
  backoffDelayMs,
  classifyEnd,
  DEFAULT_BACKOFF,
  decidePause,
  parseCloseReason,
  resolveSessionEnd,
  type SessionFacts,
} from "../../src/sources/gateway/close.js";
import { parseConnectError } from "../../src/sources/gateway/protocol.js";

describe("close reasons", () => {
  const uuid = "2b640a10-5c1e-4a7e-9f5e-0a1b2c3d4e5f";
  const cut = (s: string) => Buffer.from(s).subarray(0, 120).toString(); // the gateway's truncateCloseReason

  it.each([
    [
      1008,
      `pairing required: device is not approved yet (requestId: ${uuid})`,
      { kind: "pairing-required-close", reason: "not-paired", requestId: uuid },
    ],
    // 125 bytes: the gateway cuts it inside the id; a partial id must not be taken
    [
      1008,
      cut(`pairing required: device is asking for more scopes than currently approved (requestId: ${uuid})`),
      { kind: "pairing-required-close", reason: "scope-upgrade" },
    ],
    [
      1008,
      "pairing required: device is asking for more scopes than currently approved (requestId: short-1)",
      { kind: "pairing-required-close", reason: "scope-upgrade", requestId: "short-1" },
    ],
    [
      1008,
      cut(
        `pairing required: device is asking for a higher role than currently approved (requestId: ${uuid})`,
      ),
      { kind: "pairing-required-close", reason: "role-upgrade" },
    ],
    [
      1008,
      `pairing required: device identity changed and must be re-approved (requestId: ${uuid})`,
      { kind: "pairing-required-close", reason: "metadata-upgrade", requestId: uuid },
    ],
    // 2026.4.18: the bare reason, sent for every pairing reason (scope upgrades included)
    [1008, "pairing required", { kind: "pairing-required-close" }],
    [
      1008,
      "unauthorized: device token mismatch (rotate/reissue device token)",
      { kind: "device-token-mismatch", reason: "device token mismatch" },
    ],
    [
      1008,
      "unauthorized: device token rejected (pair/repair this device, or provide gateway token)",
      { kind: "device-token-mismatch", reason: "device token rejected" },
    ],
    [
      1008,
      "unauthorized: device token scope mismatch (re-pair or approve scope upgrade)",
      { kind: "device-token-mismatch", reason: "device token scope mismatch" },
    ],
    [
      1008,
      "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)",
      { kind: "gateway-auth-failure", reason: "gateway token mismatch" },
    ],
    [
      1008,
      "unauthorized: gateway password missing (set gateway.remote.password to match gateway.auth.password)",
      { kind: "gateway-auth-failure", reason: "gateway password missing" },
    ],
    [1008, "unauthorized", { kind: "gateway-auth-failure", reason: "unauthorized" }],
    [4001, "gateway auth changed", { kind: "gateway-auth-failure", reason: "gateway auth changed" }],
    [4001, "device removed", { kind: "device-removed", reason: "device removed" }],
    [
      4001,
      "client invalidated: gateway-policy-changed",
      { kind: "gateway-auth-failure", reason: "client invalidated: gateway-policy-changed" },
    ],
    [1008, "device signature invalid", { kind: "gateway-auth-failure", reason: "device signature invalid" }],
    [1012, "service restart", { kind: "connection-closed", reason: "service restart" }],
    [4000, "tick timeout", { kind: "connection-closed", reason: "tick timeout" }],
    [1006, "", { kind: "connection-closed", reason: "abnormal closure" }],
    [1008, "slow consumer", { kind: "connection-closed", reason: "slow consumer" }],
    [1000, "", { kind: "connection-closed" }],
  ] as const)("%i %j", (code, reason, expected) => {
    expect(parseCloseReason(code, reason)).toEqual(expected);
  });

  const base = { atMs: 7, url: "ws://127.0.0.1:1", deviceId: "me", secrets: ["TOKEN-XYZ"] };

  it("takes the full request id, scopes and device from the error details when the close reason was cut", () => {
    const reason = cut(
      `pairing required: device is asking for more scopes than currently approved (requestId: ${uuid})`,
    );
    const obs = classifyEnd({
      ...base,
      code: 1008,
      reason,
      unreachable: null,
      connectError: parseConnectError({
        code: "NOT_PAIRED",
        message: "pairing required: device is asking for more scopes than currently approved",
        details: {
          code: "PAIRING_REQUIRED",
          reason: "scope-upgrade",
          requestId: uuid,
          deviceId: "me",
          requestedScopes: ["operator.read", "operator.pairing"],
          approvedScopes: ["operator.read"],
        },
      }),
    });
    expect(obs).toMatchObject({
      kind: "pairing-required-close",
      source: "connection",
      atMs: 7,
      deviceId: "me",
      requestId: uuid,
      reason: "scope-upgrade",
      scopes: ["operator.read", "operator.pairing"],
      scopesFrom: ["operator.read"],
      code: 1008,
      closeReason: reason,
    });
    expect(obs.text).toContain("gateway closed (1008): pairing required");
  });

  it("classifies by detail code when the reason says less, and reports an unreachable gateway with its URL", () => {
    const auth = classifyEnd({
      ...base,
      code: 1008,
      reason: "connect failed",
      unreachable: null,
      connectError: parseConnectError({
        message: "x",
        details: { code: "AUTH_TOKEN_MISMATCH", authReason: "token_mismatch" },
      }),
    });
    expect(auth).toMatchObject({ kind: "gateway-auth-failure", reason: "token_mismatch" });
    const down = classifyEnd({
      ...base,
      code: 1006,
      reason: "",
      unreachable: "connect ECONNREFUSED 127.0.0.1:1",
      connectError: null,
    });
    expect(down).toEqual({
      kind: "gateway-unreachable",
      source: "connection",
      atMs: 7,
      deviceId: "me",
      text: "cannot reach the OpenClaw gateway at ws://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1",
    });
  });

  it("never lets the secret into an observation, even when the gateway echoes it", () => {
    const obs = classifyEnd({
      ...base,
      code: 1008,
      reason: "unauthorized: got TOKEN-XYZ",
      unreachable: null,
      connectError: parseConnectError({
        message: "bad token TOKEN-XYZ",
        details: { code: "AUTH_TOKEN_MISMATCH" },
      }),
    });
    expect(JSON.stringify(obs)).not.toContain("TOKEN-XYZ");
    expect(obs.text).toContain("[redacted]");
  });
});

describe("pausing", () => {
  const pause = (over: Partial<Parameters<typeof decidePause>[0]>) =>
    decidePause({
      code: 1008,
      reason: "",
      connectError: null,
      pauseOnDeviceRemoved: true,
      secrets: [],
      ...over,
    });
  const ce = (details: Record<string, unknown>, message = "m") => parseConnectError({ message, details });

  it("pauses where OpenClaw's client stops retrying, with a plain reason", () => {
    expect(
      pause({
        connectError: ce({ code: "AUTH_TOKEN_MISMATCH" }, "unauthorized: gateway token mismatch (…)"),
      }),
    ).toBe(
      "the gateway token in openclaw.json does not match the gateway: unauthorized: gateway token mismatch (…)",
    );
    expect(
      pause({ connectError: ce({ code: "PAIRING_REQUIRED", reason: "not-paired", requestId: "r1" }) }),
    ).toBe(
      "this watchdog's device is not paired yet: run `scope-watchdog pair` (request r1 waits for `openclaw devices approve r1`)",
    );
    expect(pause({ connectError: ce({ code: "PAIRING_REQUIRED", reason: "scope-upgrade" }) })).toBe(
      "this watchdog's device needs a new approval (scope-upgrade): run `scope-watchdog pair`",
    );
    expect(pause({ connectError: ce({ code: "AUTH_PASSWORD_MISMATCH" }) })).toMatch(
      /^the gateway password in openclaw.json does not match/,
    );
    expect(pause({ connectError: ce({ code: "AUTH_RATE_LIMITED" }) })).toMatch(/too many failures/);
    expect(pause({ connectError: ce({ code: "DEVICE_IDENTITY_REQUIRED" }) })).toMatch(
      /refused this watchdog's device \(DEVICE_IDENTITY_REQUIRED\)/,
    );
  });

  it("falls back on the close reason when the refusal carried no details (2026.4.18)", () => {
    expect(pause({ reason: "pairing required" })).toBe(
      "this watchdog's device is not paired yet: run `scope-watchdog pair`",
    );
    expect(pause({ reason: "unauthorized: gateway token mismatch (x)" })).toMatch(
      /^the gateway token in openclaw.json/,
    );
  });

  it("keeps retrying on restarts, tick timeouts, rotations and when a 2026.9 gateway says so", () => {
    expect(pause({ code: 1012, reason: "service restart" })).toBeNull();
    expect(pause({ code: 4000, reason: "tick timeout" })).toBeNull();
    expect(pause({ code: 4001, reason: "gateway auth changed" })).toBeNull();
    expect(pause({ connectError: ce({ code: "AUTH_TOKEN_NOT_CONFIGURED" }) })).toBeNull();
    expect(pause({ connectError: ce({ code: "PAIRING_REQUIRED", pauseReconnect: false }) })).toBeNull();
    expect(
      pause({ connectError: ce({ code: "PAIRING_REQUIRED", recommendedNextStep: "wait_then_retry" }) }),
    ).toBeNull();
  });

  it("pauses after 'device removed' unless told not to", () => {
    expect(pause({ code: 4001, reason: "device removed" })).toMatch(
      /removed from the gateway.*scope-watchdog pair/,
    );
    expect(pause({ code: 4001, reason: "device removed", pauseOnDeviceRemoved: false })).toBeNull();
  });
});

describe("backoff", () => {
  it("backs off exponentially, capped, with jitter from the injected random", () => {
    const p = { ...DEFAULT_BACKOFF, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelayMs(a, p, 0.5))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000,
    ]);
    expect(backoffDelayMs(0, DEFAULT_BACKOFF, 0)).toBe(800);
    expect(backoffDelayMs(0, DEFAULT_BACKOFF, 0.999999)).toBe(1200);
    expect(backoffDelayMs(10, DEFAULT_BACKOFF, 0.999999)).toBe(60000);
  });
});

describe("the end of a session", () => {
  const facts = (over: Partial<SessionFacts>): SessionFacts => ({
    atMs: 1_000,
    url: "ws://127.0.0.1:18789",
    deviceId: "own-device",
    secrets: ["sw-test-token"],
    closeCode: 1000,
    closeReason: "",
    localClose: null,
    opened: true,
    openedAtMs: 500,
    socketOpened: true,
    unreachable: null,
    untrusted: null,
    socketError: null,
    stopped: false,
    connectError: null,
    pauseOnDeviceRemoved: true,
    ...over,
  });
  const notPaired = parseConnectError({
    message: "pairing required",
    details: { code: "PAIRING_REQUIRED", reason: "not-paired", requestId: "req-1" },
  });

  it.each<[string, Partial<SessionFacts>, Record<string, unknown>]>([
    [
      "stopped on purpose: no observation, no pause",
      { stopped: true, localClose: { code: 1000, reason: "watchdog stopping" }, closeCode: 1005 },
      { code: 1000, reason: "watchdog stopping", stopped: true, observation: null, pauseReason: null },
    ],
    [
      "a gateway restart after hello-ok: a closed connection, retried",
      { closeCode: 1012, closeReason: "service restart" },
      { code: 1012, unreachable: null, observation: { kind: "connection-closed" }, pauseReason: null },
    ],
    [
      "our own tick-timeout close wins over what the socket reports",
      { localClose: { code: 4000, reason: "tick timeout" }, closeCode: 1006 },
      { code: 4000, reason: "tick timeout", observation: { kind: "connection-closed", code: 4000 } },
    ],
    [
      "an opened session is never unreachable, even after a socket error",
      { socketError: "read ECONNRESET", closeCode: 1006 },
      { unreachable: null, observation: { kind: "connection-closed", reason: "abnormal closure" } },
    ],
    [
      "a refused socket: unreachable with the socket's error",
      {
        opened: false,
        socketOpened: false,
        socketError: "connect ECONNREFUSED 127.0.0.1:18789",
        closeCode: 1006,
      },
      {
        unreachable: "connect ECONNREFUSED 127.0.0.1:18789",
        observation: { kind: "gateway-unreachable" },
        pauseReason: null,
      },
    ],
    [
      "not connected because another user listens on the port: its own observation, retried, never paused",
      {
        opened: false,
        socketOpened: false,
        untrusted: "the listener on 127.0.0.1:18789 belongs to another user (uid 65534 on 127.0.0.1:18789)",
        closeCode: 1006,
      },
      {
        observation: {
          kind: "listener-untrusted",
          text: "did not connect to ws://127.0.0.1:18789: the listener on 127.0.0.1:18789 belongs to another user (uid 65534 on 127.0.0.1:18789)",
        },
        pauseReason: null,
      },
    ],
    [
      "a socket that closed before its handshake without an error",
      { opened: false, socketOpened: false, closeCode: 1006 },
      { unreachable: "the connection closed before the WebSocket handshake (1006)", pauseReason: null },
    ],
    [
      "no challenge: what the session found out is kept",
      {
        opened: false,
        unreachable: "no connect.challenge within 10000 ms",
        localClose: { code: 1008, reason: "connect challenge timeout" },
        closeCode: 1006,
      },
      {
        code: 1008,
        unreachable: "no connect.challenge within 10000 ms",
        observation: { kind: "gateway-unreachable" },
      },
    ],
    [
      "a refused connect: the pairing observation and a pause",
      {
        opened: false,
        openedAtMs: null,
        connectError: notPaired,
        closeCode: 1008,
        closeReason: "pairing required: device is not approved yet",
      },
      {
        unreachable: null,
        observation: { kind: "pairing-required-close", reason: "not-paired", requestId: "req-1" },
        pauseReason: expect.stringContaining("not paired yet"),
      },
    ],
  ])("%s", (_why, over, expected) => {
    expect(resolveSessionEnd(facts(over))).toMatchObject(expected);
  });
});
