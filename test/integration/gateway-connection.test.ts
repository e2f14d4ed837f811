// The watchdog's own gateway connection against a real ws server on 127.0.0.1 (the fake gateway): handshake,
// events, every close, backoff, pausing, tick timeout, stop, and no secret in any observation or log line.

import { createHook } from "node:async_hooks";
import { spawn } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import net, { type AddressInfo } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import WebSocket from "ws";
import type { Logger } from "../../src/common/log.js";
import { Secret } from "../../src/common/secret.js";
import type { Observation } from "../../src/common/types.js";
import {
  type ConnectionState,
  type ConnectionStatus,
  createGatewayConnection,
  type GatewayConnection,
  type GatewayConnectionOptions,
  GatewayRequestError,
  type SocketLike,
} from "../../src/sources/gateway/connection.js";
import type { DeviceSigner } from "../../src/sources/gateway/protocol.js";
import { listenerRefusal } from "../../src/sources/host/listener.js";
import { FakeGateway, type FakeGatewayOptions } from "../helpers/fake-gateway.js";

function makeSigner(): DeviceSigner {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12);
  return {
    deviceId: createHash("sha256").update(raw).digest("hex"),
    publicKey: raw.toString("base64url"),
    privateKey,
  };
}

/** A Logger that keeps every line as JSON text (Secret serialises as "[redacted]"; so would a pino line). */
function recordingLogger(lines: string[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (a: object | string, msg?: string): void => {
      lines.push(
        JSON.stringify({ level, ...bindings, ...(typeof a === "string" ? { msg: a } : { ...a, msg }) }),
      );
    };
  return {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (b) => recordingLogger(lines, { ...bindings, ...b }),
  };
}

interface Harness {
  conn: GatewayConnection;
  signer: DeviceSigner;
  observations: Observation[];
  states: ConnectionState[];
  statuses: ConnectionStatus[];
  logs: string[];
  sockets: SocketLike[];
}

async function gateway(opts: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const gw = await FakeGateway.start(opts);
  onTestFinished(() => gw.stop());
  return gw;
}

/** A started connection with small, fixed timings (no jitter) and everything it reports recorded. */
function connect(
  gw: { url: string; secret?: string },
  over: Partial<GatewayConnectionOptions> = {},
): Harness {
  const h: Omit<Harness, "conn"> = {
    signer: makeSigner(),
    observations: [],
    states: [],
    statuses: [],
    logs: [],
    sockets: [],
  };
  const conn = createGatewayConnection({
    url: gw.url,
    identity: h.signer,
    auth: { mode: "token", secret: gw.secret ? new Secret(gw.secret) : null },
    clientVersion: "0.1.0-test",
    platform: "linux",
    handshakeTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    closeGraceMs: 200,
    minTickIntervalMs: 10,
    random: () => 0.5,
    backoff: { initialMs: 20, multiplier: 2, maxMs: 80, jitter: 0, resetAfterMs: 60_000 },
    logger: recordingLogger(h.logs),
    onObservation: (o) => h.observations.push(o),
    onStateChange: (s, status) => {
      h.states.push(s);
      h.statuses.push(status);
    },
    ...over,
    createSocket: (url) => {
      const factory = over.createSocket;
      const socket = factory ? factory(url) : new WebSocket(url);
      h.sockets.push(socket);
      return socket;
    },
  });
  onTestFinished(() => conn.stop());
  conn.start();
  return { ...h, conn };
}

const kinds = (obs: Observation[]) => obs.map((o) => o.kind);

async function waitOpen(h: Harness, opens = 1): Promise<void> {
  await expect.poll(() => h.conn.status().counters.opens, { timeout: 5_000 }).toBeGreaterThanOrEqual(opens);
  await expect.poll(() => h.conn.state(), { timeout: 5_000 }).toBe("open");
}

/**
 * Records the timers and TCP handles created from now until `freeze()` and forgets each one when Node destroys
 * it (cleared, fired, closed): what is left after a stop is a leak. Created later (by expect.poll) is not counted.
 */
function trackResources(): { live: () => string[]; freeze: () => void } {
  const live = new Map<number, string>();
  let recording = true;
  const hook = createHook({
    init(id, type) {
      if (recording && (type === "Timeout" || type.startsWith("TCP"))) live.set(id, type);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  onTestFinished(() => {
    hook.disable();
  });
  return {
    live: () => [...live.values()],
    freeze: () => {
      recording = false;
    },
  };
}

/** A TCP server that accepts and never answers (not even the HTTP upgrade). */
async function blackHole(): Promise<{ url: string; accepted: () => number }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on("error", () => {});
    s.resume(); // read (and drop) the upgrade request, so the client's FIN closes this side too
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, accepted: () => sockets.length };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("handshake", () => {
  it("answers the challenge with a verified v3 signature, the token and nothing else, and reports hello-ok", async () => {
    const gw = await gateway();
    const h = connect(gw);
    await waitOpen(h);
    expect(gw.connects).toHaveLength(1);
    const c = gw.connects[0];
    expect(c?.signatureProblems).toEqual([]);
    expect(c?.authKind).toBe("token");
    expect(c?.secretMatches).toBe(true);
    expect(c?.params).toEqual({
      minProtocol: 3,
      maxProtocol: 4,
      client: {
        id: "cli",
        displayName: "openclaw-scope-watchdog",
        version: "0.1.0-test",
        platform: "linux",
        mode: "cli",
      },
      caps: [],
      role: "operator",
      scopes: ["operator.read", "operator.pairing"],
      auth: { token: "[present]" },
      device: {
        id: h.signer.deviceId,
        publicKey: h.signer.publicKey,
        signature: expect.any(String),
        signedAt: expect.any(Number),
        nonce: expect.any(String),
      },
    });
    expect(JSON.stringify(c?.params)).not.toContain(gw.token);
    expect(h.conn.status().hello).toMatchObject({
      protocol: 3,
      serverVersion: "2026.4.20",
      scopes: ["operator.read", "operator.pairing"],
    });
    expect(h.observations).toEqual([
      expect.objectContaining({
        kind: "connection-open",
        source: "connection",
        deviceId: h.signer.deviceId,
        scopes: ["operator.read", "operator.pairing"],
        text: `connected to ${gw.url} (protocol 3, OpenClaw 2026.4.20) as device ${h.signer.deviceId} with operator.read, operator.pairing`,
      }),
    ]);
    expect(h.states).toEqual(["connecting", "open"]);
  });

  it("sends the password in password mode (unsigned, like OpenClaw) and speaks protocol 4", async () => {
    const gw = await gateway({ password: "pw-123456", protocol: 4, serverVersion: "2026.9.6" });
    const h = connect(gw, { auth: { mode: "password", secret: new Secret("pw-123456") } });
    await waitOpen(h);
    expect(gw.connects[0]).toMatchObject({
      authKind: "password",
      secretMatches: true,
      signatureProblems: [],
    });
    expect(h.conn.status().hello).toMatchObject({ protocol: 4, serverVersion: "2026.9.6" });
  });

  it("refuses a URL that is not on loopback unless allowed", () => {
    const base = { identity: makeSigner(), auth: { mode: "token", secret: null }, clientVersion: "1" };
    expect(() => createGatewayConnection({ ...base, url: "ws://192.168.1.10:18789" })).toThrow(
      /refusing to connect to ws:\/\/192\.168\.1\.10:18789/,
    );
    expect(() => createGatewayConnection({ ...base, url: "http://127.0.0.1:1" })).toThrow(/refusing/);
    expect(() =>
      createGatewayConnection({ ...base, url: "ws://192.168.1.10:18789", allowNonLoopback: true }),
    ).not.toThrow();
  });
});

describe("events and calls", () => {
  it("turns device.pair.requested and device.pair.resolved into observations and ignores junk frames", async () => {
    const gw = await gateway();
    const h = connect(gw);
    await waitOpen(h);
    gw.pushRaw("not json");
    gw.pushRaw('{"type":"mystery"}');
    gw.push("presence", { anything: true });
    gw.push("device.pair.requested", {
      requestId: "req-1",
      deviceId: "dev-local",
      publicKey: "pk",
      clientId: "gateway-client",
      clientMode: "backend",
      role: "operator",
      scopes: ["operator.admin"],
      isRepair: true,
      silent: false,
      ts: 1,
    });
    gw.push("device.pair.resolved", {
      requestId: "req-1",
      deviceId: "dev-local",
      decision: "approved",
      ts: 2,
    });
    await expect.poll(() => h.observations.length).toBe(3);
    expect(h.observations[1]).toMatchObject({
      kind: "upgrade-requested",
      requestId: "req-1",
      deviceId: "dev-local",
      scopes: ["operator.admin"],
      clientId: "gateway-client",
    });
    expect(h.observations[2]).toMatchObject({
      kind: "pairing-resolved",
      requestId: "req-1",
      deviceId: "dev-local",
      reason: "approved",
    });
    expect(h.conn.status().counters.ignoredFrames).toBe(2);
    expect(h.conn.state()).toBe("open");
  });

  it("calls a method and bounds it with a timeout", async () => {
    const gw = await gateway();
    gw.methods.set("device.pair.list", () => ({ ok: true, payload: { pending: [], paired: [] } }));
    gw.methods.set("never", () => null);
    const h = connect(gw);
    await expect(h.conn.call("device.pair.list")).rejects.toThrow(
      "cannot call device.pair.list: the gateway connection is connecting",
    );
    await waitOpen(h);
    await expect(h.conn.call("device.pair.list", {})).resolves.toEqual({ pending: [], paired: [] });
    await expect(h.conn.call("never", {}, { timeoutMs: 50 })).rejects.toThrow(
      "gateway request never timed out after 50 ms",
    );
    const err = await h.conn.call("nope").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayRequestError);
    expect(err).toMatchObject({ message: "unknown method: nope", code: "INVALID_REQUEST" });
  });
});

describe("closes and reconnects", () => {
  it.each([
    [1012, "service restart", "connection-closed", "service restart"],
    [4001, "gateway auth changed", "gateway-auth-failure", "gateway auth changed"],
    [1008, "slow consumer", "connection-closed", "slow consumer"],
  ] as const)("close %i %s becomes %s and a reconnect", async (code, reason, kind, obsReason) => {
    const gw = await gateway();
    const h = connect(gw);
    await waitOpen(h);
    gw.closeAll(code, reason);
    await waitOpen(h, 2);
    expect(h.observations.find((o) => o.kind !== "connection-open")).toMatchObject({
      kind,
      code,
      closeReason: reason,
      reason: obsReason,
      deviceId: h.signer.deviceId,
      source: "connection",
    });
    expect(kinds(h.observations)).toEqual(["connection-open", kind, "connection-open"]);
    expect(h.states).toEqual(["connecting", "open", "backoff", "connecting", "open"]);
    expect(gw.connects).toHaveLength(2);
  });

  it("reports a dropped socket (1006) as an abnormal closure and reconnects", async () => {
    const gw = await gateway();
    const h = connect(gw);
    await waitOpen(h);
    gw.dropAll();
    await waitOpen(h, 2);
    expect(h.observations[1]).toMatchObject({
      kind: "connection-closed",
      code: 1006,
      reason: "abnormal closure",
    });
  });

  it("backs off exponentially up to the cap while the gateway keeps closing", async () => {
    const gw = await gateway();
    gw.defaultReply = { kind: "close", code: 1012, reason: "service restart" };
    const h = connect(gw);
    await expect
      .poll(() => h.statuses.filter((s) => s.state === "backoff").length, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(5);
    await h.conn.stop();
    const delays = h.statuses.filter((s) => s.state === "backoff").map((s) => s.retryDelayMs);
    expect(delays.slice(0, 5)).toEqual([20, 40, 80, 80, 80]);
    expect(h.observations.slice(0, 5).every((o) => o.kind === "connection-closed" && o.code === 1012)).toBe(
      true,
    );
  });

  it("resets the schedule after a connection that stayed up for resetAfterMs", async () => {
    let offsetMs = 0;
    const gw = await gateway({ tickIntervalMs: 600_000 });
    const h = connect(gw, {
      now: () => Date.now() + offsetMs,
      backoff: { initialMs: 20, multiplier: 10, maxMs: 10_000, jitter: 0, resetAfterMs: 60_000 },
    });
    await waitOpen(h);
    gw.closeAll(1012, "service restart"); // short-lived: next delay grows
    await waitOpen(h, 2);
    gw.closeAll(1012, "service restart");
    await waitOpen(h, 3);
    offsetMs = 61_000; // this connection has now been up for over a minute
    gw.closeAll(1012, "service restart");
    await waitOpen(h, 4);
    expect(h.statuses.filter((s) => s.state === "backoff").map((s) => s.retryDelayMs)).toEqual([20, 200, 20]);
  });

  it("reports a gateway that is not running and keeps trying", async () => {
    const url = `ws://127.0.0.1:${await closedPort()}`;
    const h = connect({ url });
    await expect.poll(() => h.observations.length).toBeGreaterThanOrEqual(2);
    expect(h.observations[0]).toMatchObject({ kind: "gateway-unreachable", source: "connection" });
    expect(h.observations[0]?.text).toMatch(
      new RegExp(`^cannot reach the OpenClaw gateway at ${url}: .*ECONNREFUSED`),
    );
    expect(kinds(h.observations.slice(0, 2))).toEqual(["gateway-unreachable", "gateway-unreachable"]);
    expect(h.conn.status().pausedReason).toBeNull();
  });
});

describe("pausing where only a human can help", () => {
  it("stops retrying on a token mismatch, says why, and resumes with new credentials", async () => {
    const gw = await gateway();
    const h = connect({ url: gw.url, secret: "not-the-gateway-token" });
    await expect.poll(() => h.conn.state()).toBe("paused");
    const status = h.conn.status();
    expect(status.pausedReason).toBe(
      "the gateway token in openclaw.json does not match the gateway: unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)",
    );
    expect(status.nextRetryAtMs).toBeNull();
    expect(h.observations).toEqual([
      expect.objectContaining({
        kind: "gateway-auth-failure",
        code: 1008,
        reason: "token_mismatch",
        deviceId: h.signer.deviceId,
      }),
    ]);
    expect(gw.connects.map((c) => c.reply)).toEqual(["auth-rejected"]);
    h.conn.resume({ auth: { mode: "token", secret: new Secret(gw.token) } });
    await waitOpen(h);
    expect(gw.connects.map((c) => c.reply)).toEqual(["auth-rejected", "hello"]);
    expect(h.states).toEqual(["connecting", "paused", "connecting", "open"]);
  });

  it("stops retrying while its device waits for approval, with the full request id, and resumes", async () => {
    const gw = await gateway();
    const requestId = "2b640a10-5c1e-4a7e-9f5e-0a1b2c3d4e5f";
    gw.replies.push({
      kind: "pairing-required",
      reason: "scope-upgrade",
      requestId,
      approvedScopes: ["operator.read"],
    });
    const h = connect(gw);
    await expect.poll(() => h.conn.state()).toBe("paused");
    const obs = h.observations[0];
    expect(obs).toMatchObject({
      kind: "pairing-required-close",
      reason: "scope-upgrade",
      requestId,
      deviceId: h.signer.deviceId,
      scopes: ["operator.read", "operator.pairing"],
      scopesFrom: ["operator.read"],
      code: 1008,
    });
    // the close reason was cut at 120 bytes inside the id, as the real gateway does
    expect(obs?.closeReason).not.toContain(requestId);
    expect(h.conn.status().pausedReason).toBe(
      `this watchdog's device needs a new approval (scope-upgrade): run \`scope-watchdog pair\` (request ${requestId} waits for \`openclaw devices approve ${requestId}\`)`,
    );
    h.conn.resume(); // e.g. after the daemon saw the approval
    await waitOpen(h);
  });

  it("pauses on 2026.4.18's bare 'pairing required' without inventing a reason or request id", async () => {
    const gw = await gateway();
    gw.replies.push({ kind: "pairing-required", bare: true });
    const h = connect(gw);
    await expect.poll(() => h.conn.state()).toBe("paused");
    const obs = h.observations[0];
    expect(obs).toMatchObject({ kind: "pairing-required-close", closeReason: "pairing required" });
    expect(obs?.reason).toBeUndefined();
    expect(obs?.requestId).toBeUndefined();
    expect(h.conn.status().pausedReason).toBe(
      "this watchdog's device is not paired yet: run `scope-watchdog pair`",
    );
  });

  it("keeps retrying a pairing refusal when a 2026.9 gateway says pauseReconnect: false", async () => {
    const gw = await gateway();
    gw.replies.push({
      kind: "pairing-required",
      reason: "not-paired",
      extraDetails: { pauseReconnect: false },
    });
    const h = connect(gw);
    await waitOpen(h);
    expect(h.states).toEqual(["connecting", "backoff", "connecting", "open"]);
  });

  it("pauses after 'device removed' (reconnecting would silently re-pair it) and reconnects when told not to", async () => {
    const gw = await gateway();
    const h = connect(gw);
    await waitOpen(h);
    gw.closeAll(4001, "device removed");
    await expect.poll(() => h.conn.state()).toBe("paused");
    expect(h.observations[1]).toMatchObject({
      kind: "device-removed",
      code: 4001,
      deviceId: h.signer.deviceId,
    });
    expect(h.conn.status().pausedReason).toMatch(/removed from the gateway.*`scope-watchdog pair`/);

    const gw2 = await gateway();
    const h2 = connect(gw2, { pauseOnDeviceRemoved: false });
    await waitOpen(h2);
    gw2.closeAll(4001, "device removed");
    await waitOpen(h2, 2);
    expect(kinds(h2.observations)).toEqual(["connection-open", "device-removed", "connection-open"]);
  });
});

describe("keepalive", () => {
  it("closes 4000 'tick timeout' after two tick intervals of silence, like OpenClaw's client, and reconnects", async () => {
    const gw = await gateway({ tickIntervalMs: 40 });
    gw.sendTicks = false;
    const h = connect(gw);
    await waitOpen(h);
    await expect.poll(() => gw.connects.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    expect(gw.clients[0]?.closed).toEqual({ code: 4000, reason: "tick timeout" });
    expect(h.observations[1]).toMatchObject({
      kind: "connection-closed",
      code: 4000,
      closeReason: "tick timeout",
      reason: "tick timeout",
    });
  });

  it("stays open while ticks arrive", async () => {
    const gw = await gateway({ tickIntervalMs: 100 });
    const h = connect(gw);
    await waitOpen(h);
    // six ticks span three tick-timeout windows
    await expect.poll(() => gw.clients[0]?.ticksSent ?? 0, { timeout: 5_000 }).toBeGreaterThanOrEqual(6);
    expect(h.conn.state()).toBe("open");
    expect(gw.connects).toHaveLength(1);
    expect(kinds(h.observations)).toEqual(["connection-open"]);
  });
});

describe("a gateway that never answers", () => {
  it("gives up on a server that never upgrades, reports it and retries", async () => {
    const hole = await blackHole();
    const h = connect({ url: hole.url }, { handshakeTimeoutMs: 150 });
    await expect.poll(() => hole.accepted(), { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    expect(h.observations[0]).toMatchObject({ kind: "gateway-unreachable" });
    expect(h.observations[0]?.text).toContain(hole.url);
  });

  it("closes 1008 when no challenge comes, and 4000 when connect gets no reply", async () => {
    const gw = await gateway();
    gw.sendChallenge = false;
    const h = connect(gw, { handshakeTimeoutMs: 150 });
    await expect
      .poll(() => gw.clients[0]?.closed ?? null, { timeout: 5_000 })
      .toEqual({ code: 1008, reason: "connect challenge timeout" });
    await expect.poll(() => h.observations[0]?.text).toMatch(/no connect\.challenge within 150 ms$/);
    await h.conn.stop();

    const gw2 = await gateway();
    gw2.replies.push({ kind: "silent" });
    const h2 = connect(gw2, { handshakeTimeoutMs: 150 });
    await expect
      .poll(() => gw2.clients[0]?.closed ?? null, { timeout: 5_000 })
      .toEqual({ code: 4000, reason: "connect timeout" });
    await expect.poll(() => h2.observations[0]?.text).toMatch(/no reply to connect within 150 ms$/);
  });

  it("closes 1008 on a challenge without a nonce", async () => {
    const gw = await gateway();
    gw.challengePayload = () => ({ ts: Date.now() });
    const h = connect(gw);
    await expect
      .poll(() => gw.clients[0]?.closed ?? null)
      .toEqual({ code: 1008, reason: "connect challenge missing nonce" });
    await expect.poll(() => h.observations[0]?.kind).toBe("gateway-unreachable");
    expect(gw.connects).toHaveLength(0);
  });
});

describe("stop", () => {
  it("is idempotent, closes 1000 and leaves no timer or socket behind", async () => {
    const gw = await gateway({ tickIntervalMs: 50 });
    const tracked = trackResources();
    const h = connect(gw);
    await waitOpen(h);
    const first = h.conn.stop();
    expect(h.conn.stop()).toBe(first);
    await first;
    tracked.freeze();
    expect(h.conn.state()).toBe("stopped");
    expect(h.sockets.map((s) => s.readyState)).toEqual([WebSocket.CLOSED]);
    await expect
      .poll(() => gw.clients[0]?.closed ?? null)
      .toEqual({ code: 1000, reason: "watchdog stopping" });
    // the connection's timers and socket, and the fake's side of it (its socket, its tick timer), are all gone
    await expect.poll(tracked.live).toEqual([]);
    expect(h.observations.map((o) => o.kind)).toEqual(["connection-open"]); // a stop is not an incident
    expect(() => h.conn.start()).toThrow(/stopped/);
  });

  it("cancels a pending reconnect", async () => {
    const gw = await gateway();
    gw.defaultReply = { kind: "close", code: 1012, reason: "service restart" };
    const tracked = trackResources();
    const h = connect(gw, { backoff: { initialMs: 60_000, jitter: 0 } });
    await expect.poll(() => h.conn.state()).toBe("backoff");
    await h.conn.stop();
    tracked.freeze();
    expect(h.conn.state()).toBe("stopped");
    await expect.poll(tracked.live).toEqual([]);
  });

  it("does not hang on a server that never upgrades", async () => {
    const hole = await blackHole();
    const tracked = trackResources();
    const h = connect({ url: hole.url }, { handshakeTimeoutMs: 60_000 });
    await expect.poll(() => hole.accepted()).toBe(1);
    await h.conn.stop();
    tracked.freeze();
    expect(h.conn.state()).toBe("stopped");
    expect(h.sockets.map((s) => s.readyState)).toEqual([WebSocket.CLOSED]);
    await expect.poll(tracked.live).toEqual([]);
  });

  it("does not hang on a gateway that never answers connect", async () => {
    const gw = await gateway();
    gw.defaultReply = { kind: "silent" };
    const tracked = trackResources();
    const h = connect(gw, { handshakeTimeoutMs: 60_000 });
    await expect.poll(() => gw.connects.length).toBe(1);
    await h.conn.stop();
    tracked.freeze();
    expect(h.conn.state()).toBe("stopped");
    expect(h.sockets.map((s) => s.readyState)).toEqual([WebSocket.CLOSED]);
    await expect.poll(tracked.live).toEqual([]);
  });

  it("stops before start without doing anything", async () => {
    const conn = createGatewayConnection({
      url: "ws://127.0.0.1:1",
      identity: makeSigner(),
      auth: { mode: null, secret: null },
      clientVersion: "1",
    });
    await conn.stop();
    expect(conn.state()).toBe("stopped");
  });
});

describe("who listens on the gateway's port (the token goes only to this user's gateway)", () => {
  it("connects to this user's own gateway after checking /proc", async () => {
    const gw = await gateway();
    const h = connect(gw, { verifyListener: (url) => listenerRefusal(url) });
    await waitOpen(h);
    expect(kinds(h.observations)).toContain("connection-open");
  });

  it("a gateway that is down (nothing listens) is unreachable, not an untrusted listener, and no socket is opened", async () => {
    const port = await closedPort();
    const h = connect(
      { url: `ws://127.0.0.1:${port}`, secret: "gw-token-never-sent" },
      { verifyListener: (url) => listenerRefusal(url) },
    );
    await expect.poll(() => h.observations.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    expect(h.observations[0]).toMatchObject({ kind: "gateway-unreachable", source: "connection" });
    expect(h.observations[0]?.text).toMatch(/nothing listens on 127\.0\.0\.1:/);
    expect(h.sockets).toEqual([]);
  });

  // a listener of another user needs a child started as uid 65534, which needs root (CI runs as root)
  it.runIf(process.getuid?.() === 0)(
    "never connects to another user's listener: no byte reaches it, an observation says why, and it retries",
    async () => {
      const child = spawn(
        process.execPath,
        [
          "-e",
          "const s=require('net').createServer(c=>{process.stdout.write('CONNECTED\\n');c.destroy()});" +
            "s.listen(0,'127.0.0.1',()=>process.stdout.write('PORT '+s.address().port+'\\n'))",
        ],
        { uid: 65534, gid: 65534, stdio: ["ignore", "pipe", "inherit"] },
      );
      onTestFinished(() => {
        child.kill("SIGKILL");
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += String(d);
      });
      await expect.poll(() => /PORT (\d+)/.exec(out)?.[1], { timeout: 5_000 }).toBeDefined();
      const port = Number(/PORT (\d+)/.exec(out)?.[1]);
      const h = connect(
        { url: `ws://127.0.0.1:${port}`, secret: "gw-token-never-sent" },
        { verifyListener: (url) => listenerRefusal(url) },
      );
      await expect.poll(() => h.observations.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
      expect(new Set(kinds(h.observations))).toEqual(new Set(["listener-untrusted"]));
      expect(h.observations[0]?.text).toMatch(/belongs to another user \(uid 65534 on 127\.0\.0\.1:/);
      expect(h.conn.state()).not.toBe("paused");
      expect(out).not.toContain("CONNECTED");
      expect(h.sockets).toEqual([]);
    },
  );
});

describe("secrets", () => {
  it("never puts the gateway token or the device token into an observation, a status or a log line", async () => {
    const gw = await gateway();
    const token = gw.token;
    const h = connect(gw);
    await waitOpen(h);
    gw.push("device.pair.requested", { requestId: "r1", deviceId: `d ${token}`, scopes: [token] });
    // a hostile or buggy gateway echoing the token in its refusal and close reason
    gw.replies.push({
      kind: "error",
      code: "INVALID_REQUEST",
      message: `unauthorized: you sent ${token}`,
      details: { code: "AUTH_TOKEN_MISMATCH", authReason: token },
      close: { code: 1008, reason: `unauthorized: ${token}` },
    });
    gw.closeAll(1012, "service restart");
    await expect.poll(() => h.conn.state(), { timeout: 5_000 }).toBe("paused");
    const everything = JSON.stringify({
      observations: h.observations,
      status: h.conn.status(),
      statuses: h.statuses,
      logs: h.logs,
    });
    expect(h.logs.length).toBeGreaterThan(3);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain("fake-device-token-");
    expect(everything).toContain("[redacted]");
    expect(kinds(h.observations)).toEqual([
      "connection-open",
      "upgrade-requested",
      "connection-closed",
      "gateway-auth-failure",
    ]);
  });
});
