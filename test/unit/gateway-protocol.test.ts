// The pure gateway protocol: v3 payload (checked against OpenClaw's own dist), connect params, frames, error
// details, pairing events, text sanitising and loopback URLs. Close reasons and pausing: gateway-close.test.ts.

import { createHash, type createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Secret } from "../../src/common/secret.js";
import {
  buildConnectParams,
  buildDeviceAuthPayloadV3,
  type DeviceSigner,
  isLoopbackUrl,
  observeEvent,
  parseChallenge,
  parseConnectError,
  parseFrame,
  parseHelloOk,
  sanitizeText,
  validRequestId,
} from "../../src/sources/gateway/protocol.js";
import { SAMPLES } from "../fixtures/v3-payload-samples.js";

function makeSigner(): DeviceSigner & { publicKeyObject: ReturnType<typeof createPublicKey> } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12);
  return {
    deviceId: createHash("sha256").update(raw).digest("hex"),
    publicKey: raw.toString("base64url"),
    privateKey,
    publicKeyObject: publicKey,
  };
}

describe("v3 device-auth payload", () => {
  it("joins the fields with | and lower-cases platform and family (ASCII only), like OpenClaw", () => {
    expect(SAMPLES.map(buildDeviceAuthPayloadV3)).toEqual([
      `v3|${"d".repeat(64)}|cli|cli|operator|operator.read,operator.pairing|1764200000000|tok|n-1|linux|desktop`,
      "v3|abc|cli|cli|operator||0||n|İstanbul|",
      "v3|x|test|probe|node|b,a|5||q|darwin|",
    ]);
  });

  // the same samples against OpenClaw's own builder: test/e2e/protocol-dist.e2e.test.ts (needs the real dists)
});

describe("connect params", () => {
  const challenge = { nonce: "nonce-1", ts: 1_764_200_000_123 };

  it("asks as cli/cli for read+pairing with the token, signed over the challenge's nonce and ts", () => {
    const signer = makeSigner();
    const p = buildConnectParams({
      signer,
      challenge,
      auth: { mode: "token", secret: new Secret("s3cret-token") },
      clientVersion: "0.1.0",
      platform: "Linux",
      nowMs: 1,
    });
    expect(p).toMatchObject({
      minProtocol: 3,
      maxProtocol: 4,
      client: {
        id: "cli",
        mode: "cli",
        displayName: "openclaw-scope-watchdog",
        version: "0.1.0",
        platform: "Linux",
      },
      role: "operator",
      scopes: ["operator.read", "operator.pairing"],
      auth: { token: "s3cret-token" },
      device: { id: signer.deviceId, publicKey: signer.publicKey, signedAt: challenge.ts, nonce: "nonce-1" },
    });
    expect(Object.keys(p).sort()).toEqual([
      "auth",
      "caps",
      "client",
      "device",
      "maxProtocol",
      "minProtocol",
      "role",
      "scopes",
    ]);
    const payload = `v3|${signer.deviceId}|cli|cli|operator|operator.read,operator.pairing|${challenge.ts}|s3cret-token|nonce-1|linux|`;
    expect(
      verify(
        null,
        Buffer.from(payload),
        signer.publicKeyObject,
        Buffer.from(p.device.signature, "base64url"),
      ),
    ).toBe(true);
  });

  it("sends a password as auth.password and leaves it out of the signed payload", () => {
    const signer = makeSigner();
    const p = buildConnectParams({
      signer,
      challenge,
      auth: { mode: "password", secret: new Secret("pw") },
      clientVersion: "1",
      platform: "linux",
      nowMs: 1,
    });
    expect(p.auth).toEqual({ password: "pw" });
    const payload = `v3|${signer.deviceId}|cli|cli|operator|operator.read,operator.pairing|${challenge.ts}||nonce-1|linux|`;
    expect(
      verify(
        null,
        Buffer.from(payload),
        signer.publicKeyObject,
        Buffer.from(p.device.signature, "base64url"),
      ),
    ).toBe(true);
  });

  it("sends no auth block without a secret and signs with the local clock when the challenge has no ts", () => {
    const p = buildConnectParams({
      signer: makeSigner(),
      challenge: { nonce: "n", ts: null },
      auth: { mode: null, secret: null },
      clientVersion: "1",
      platform: "linux",
      nowMs: 42,
    });
    expect(p.auth).toBeUndefined();
    expect(p.device.signedAt).toBe(42);
  });

  it("reads the challenge defensively", () => {
    expect(parseChallenge({ nonce: " abc ", ts: 5 })).toEqual({ nonce: "abc", ts: 5 });
    expect(parseChallenge({ nonce: "abc", ts: "5" })).toEqual({ nonce: "abc", ts: null });
    expect(parseChallenge({ nonce: "" })).toBeNull();
    expect(parseChallenge(null)).toBeNull();
  });
});

describe("frames", () => {
  it("parses events and responses and rejects everything else with a reason", () => {
    expect(parseFrame('{"type":"event","event":"tick","payload":{"ts":1},"seq":3}')).toEqual({
      type: "event",
      event: "tick",
      payload: { ts: 1 },
      seq: 3,
    });
    expect(parseFrame('{"type":"res","id":"a","ok":false,"error":{"message":"x"}}')).toMatchObject({
      type: "res",
      id: "a",
      ok: false,
    });
    expect(parseFrame("not json")).toEqual({ type: "invalid", why: "not JSON" });
    expect(parseFrame("[1]")).toEqual({ type: "invalid", why: "not an object" });
    expect(parseFrame('{"type":"event"}').type).toBe("invalid");
    expect(parseFrame('{"type":"res","id":"a"}').type).toBe("invalid");
    expect(parseFrame('{"type":"mystery"}')).toEqual({
      type: "invalid",
      why: 'unknown frame type "mystery"',
    });
  });

  it("reads hello-ok without keeping its device token", () => {
    const hello = parseHelloOk({
      type: "hello-ok",
      protocol: 3,
      server: { version: "2026.4.20", connId: "c1" },
      features: { methods: ["health"], events: ["tick"] },
      auth: { role: "operator", scopes: ["operator.read"], deviceToken: "SECRET-DEVICE-TOKEN" },
      policy: { tickIntervalMs: 30000 },
    });
    expect(hello).toEqual({
      protocol: 3,
      serverVersion: "2026.4.20",
      connId: "c1",
      role: "operator",
      scopes: ["operator.read"],
      tickIntervalMs: 30000,
      methods: ["health"],
      events: ["tick"],
    });
    expect(JSON.stringify(hello)).not.toContain("SECRET-DEVICE-TOKEN");
    expect(parseHelloOk({ policy: { tickIntervalMs: -1 } })?.tickIntervalMs).toBeNull();
    expect(parseHelloOk("x")).toBeNull();
  });

  it("reads pairing error details and refuses request ids that could not come from OpenClaw", () => {
    const e = parseConnectError({
      code: "NOT_PAIRED",
      message: "pairing required: device is not approved yet",
      details: {
        code: "PAIRING_REQUIRED",
        reason: "not-paired",
        requestId: "r-1",
        requestedScopes: ["operator.read"],
        pauseReconnect: false,
      },
    });
    expect(e).toMatchObject({
      code: "NOT_PAIRED",
      detailCode: "PAIRING_REQUIRED",
      reason: "not-paired",
      requestId: "r-1",
      requestedScopes: ["operator.read"],
      pauseReconnect: false,
    });
    expect(parseConnectError({ details: { requestId: "x; rm -rf ~" } }).requestId).toBeNull();
    expect(parseConnectError("garbage")).toMatchObject({
      message: "gateway request failed",
      detailCode: null,
    });
    expect(validRequestId("$(touch /tmp/x)")).toBeNull();
    expect(validRequestId("2b640a10-5c1e-4a7e-9f5e-0a1b2c3d4e5f")).toBe(
      "2b640a10-5c1e-4a7e-9f5e-0a1b2c3d4e5f",
    );
  });
});

describe("pairing events", () => {
  it("maps device.pair.requested to upgrade-requested", () => {
    const obs = observeEvent(
      "device.pair.requested",
      {
        requestId: "r-9",
        deviceId: "dev",
        publicKey: "pk",
        clientId: "gateway-client",
        clientMode: "backend",
        role: "operator",
        scopes: ["operator.admin"],
        isRepair: true,
        silent: false,
        ts: 1,
      },
      100,
      [],
    );
    expect(obs).toEqual({
      kind: "upgrade-requested",
      source: "connection",
      atMs: 100,
      requestId: "r-9",
      deviceId: "dev",
      scopes: ["operator.admin"],
      clientId: "gateway-client",
      text: "device.pair.requested: device dev (client gateway-client/backend, role operator) asks for operator.admin (already paired: an upgrade or repair)",
    });
    expect(
      observeEvent("device.pair.requested", { requestId: "r", deviceId: "d", isRepair: false }, 1, [])
        ?.reason,
    ).toBe("not-paired");
  });

  it("maps device.pair.resolved to pairing-resolved with the decision as reason", () => {
    expect(
      observeEvent(
        "device.pair.resolved",
        { requestId: "r-9", deviceId: "dev", decision: "approved", ts: 5 },
        100,
        [],
      ),
    ).toEqual({
      kind: "pairing-resolved",
      source: "connection",
      atMs: 100,
      requestId: "r-9",
      deviceId: "dev",
      reason: "approved",
      text: "device.pair.resolved: request r-9 of device dev approved",
    });
  });

  it("ignores other events and survives malformed payloads", () => {
    expect(observeEvent("tick", { ts: 1 }, 1, [])).toBeNull();
    expect(observeEvent("device.pair.requested", "junk", 1, [])).toMatchObject({
      kind: "upgrade-requested",
      text: expect.stringContaining("device ?"),
    });
  });
});

describe("helpers", () => {
  it("truncates observation text to 500 characters after redacting and flattens control characters", () => {
    const secret = "S".repeat(20);
    const long = `${"a".repeat(495)}${secret}tail`;
    const out = sanitizeText(long, [secret]);
    expect(out).toHaveLength(500);
    expect(out).not.toContain("SSSS");
    expect(out.endsWith("…")).toBe(true);
    expect(sanitizeText("a\nb\u0000c", [])).toBe("a b c");
  });

  it.each([
    ["ws://127.0.0.1:18789", true],
    ["ws://127.1.2.3:1", true],
    ["ws://[::1]:18789", true],
    ["ws://localhost:18789", true],
    ["wss://127.0.0.1:18789", true],
    ["ws://10.0.0.5:18789", false],
    ["ws://127.0.0.1.evil.com:1", false],
    ["http://127.0.0.1:18789", false],
    ["nonsense", false],
  ])("isLoopbackUrl(%s) = %s", (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });
});
