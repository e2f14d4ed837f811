// A fake OpenClaw gateway for tests: a real `ws` server on 127.0.0.1 (port 0) that speaks the 2026.4.x handshake
// (challenge, v3 signature check, hello-ok, ticks) and can be told per connection to refuse, close or stay silent.
// It verifies signatures with its own code (not the watchdog's), so a wrong payload in src/ fails the tests.

import { createHash, createPublicKey, randomUUID, verify } from "node:crypto";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

/** OpenClaw's buildPairingConnectErrorMessage requirements by reason. */
export const PAIRING_REQUIREMENT = {
  "not-paired": "device is not approved yet",
  "role-upgrade": "device is asking for a higher role than currently approved",
  "scope-upgrade": "device is asking for more scopes than currently approved",
  "metadata-upgrade": "device identity changed and must be re-approved",
} as const;
export type PairingReason = keyof typeof PAIRING_REQUIREMENT;

/** formatGatewayAuthFailureMessage (2026.4.20) for a `cli`-mode client, by auth reason. */
export const AUTH_FAILURES = {
  token_mismatch: [
    "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)",
    "AUTH_TOKEN_MISMATCH",
  ],
  token_missing: [
    "unauthorized: gateway token missing (set gateway.remote.token to match gateway.auth.token)",
    "AUTH_TOKEN_MISSING",
  ],
  password_mismatch: [
    "unauthorized: gateway password mismatch (set gateway.remote.password to match gateway.auth.password)",
    "AUTH_PASSWORD_MISMATCH",
  ],
  device_token_mismatch: [
    "unauthorized: device token mismatch (rotate/reissue device token)",
    "AUTH_DEVICE_TOKEN_MISMATCH",
  ],
  rate_limited: ["unauthorized: too many failed authentication attempts (retry later)", "AUTH_RATE_LIMITED"],
} as const;
export type AuthFailure = keyof typeof AUTH_FAILURES;

/** What the gateway does with one connect request (after it verified the signature and the shared secret). */
export type ConnectReply =
  | { kind: "hello"; scopes?: string[]; tickIntervalMs?: number }
  | {
      kind: "pairing-required";
      reason?: PairingReason;
      /** null: no request id (as on 2026.4.18). */
      requestId?: string | null;
      /** 2026.4.18: close reason just "pairing required", details without reason or requestId. */
      bare?: boolean;
      approvedScopes?: string[];
      /** Extra detail fields (e.g. 2026.9.x pauseReconnect). */
      extraDetails?: Record<string, unknown>;
    }
  | { kind: "unauthorized"; reason: AuthFailure }
  | {
      kind: "error";
      code: string;
      message: string;
      details?: Record<string, unknown>;
      close?: { code: number; reason: string } | null;
    }
  | { kind: "close"; code: number; reason: string }
  | { kind: "silent" };

/** One connect request as received: auth values replaced by what they were, so asserting on it leaks nothing. */
export interface RecordedConnect {
  atMs: number;
  /** The params with auth.token/password/deviceToken replaced by "[present]". */
  params: Record<string, unknown>;
  authKind: "token" | "password" | "none" | "other";
  /** The shared secret sent equals the one the gateway expects. */
  secretMatches: boolean;
  /** Signature, device id, nonce and clock checks, as the gateway runs them; empty when all passed. */
  signatureProblems: string[];
  /** What the gateway answered. */
  reply: ConnectReply["kind"] | "signature-rejected" | "auth-rejected";
}

export interface FakeGatewayOptions {
  /** The shared token it expects (default: a random one). Ignored when `password` is set. */
  token?: string;
  password?: string;
  protocol?: number;
  serverVersion?: string;
  tickIntervalMs?: number;
  /** Cut close reasons at 120 bytes like the real gateway's truncateCloseReason (default true). */
  truncateCloseReasons?: boolean;
}

export interface LiveClient {
  socket: WebSocket;
  connId: string;
  authenticated: boolean;
  /** The close code and reason the client sent or the server chose, once closed. */
  closed: { code: number; reason: string } | null;
  ticksSent: number;
}

type MethodHandler = (
  params: unknown,
) => { ok: true; payload: unknown } | { ok: false; error: Record<string, unknown> } | null;

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const lowerAscii = (v: unknown) =>
  typeof v === "string" ? v.trim().replace(/[A-Z]/g, (c) => c.toLowerCase()) : "";

function truncateCloseReason(reason: string, maxBytes = 120): string {
  const buf = Buffer.from(reason);
  return buf.length <= maxBytes ? reason : buf.subarray(0, maxBytes).toString();
}

/** The fake gateway: configure it through its public fields, then assert on connects, calls and clients. */
export class FakeGateway {
  readonly server: WebSocketServer;
  readonly token: string;
  password: string | null;
  protocol: number;
  serverVersion: string;
  tickIntervalMs: number;
  /** Send `tick` events to authenticated clients every tickIntervalMs. */
  sendTicks = true;
  /** Send connect.challenge on open (false: a gateway that never starts the handshake). */
  sendChallenge = true;
  /** Challenge payload override (e.g. without a nonce). */
  challengePayload: ((nonce: string) => unknown) | null = null;
  truncate: boolean;
  /** Replies for the next connects, in order; then `defaultReply`. */
  readonly replies: ConnectReply[] = [];
  defaultReply: ConnectReply = { kind: "hello" };
  readonly connects: RecordedConnect[] = [];
  readonly clients: LiveClient[] = [];
  /** Methods called after hello-ok (name and params). */
  readonly calls: { method: string; params: unknown }[] = [];
  readonly methods = new Map<string, MethodHandler>();
  /** Tick intervals, cleared on stop. */
  readonly timers = new Set<NodeJS.Timeout>();

  private constructor(server: WebSocketServer, opts: FakeGatewayOptions) {
    this.server = server;
    this.token = opts.token ?? `fake-gw-token-${randomUUID()}`;
    this.password = opts.password ?? null;
    this.protocol = opts.protocol ?? 3;
    this.serverVersion = opts.serverVersion ?? "2026.4.20";
    this.tickIntervalMs = opts.tickIntervalMs ?? 30_000;
    this.truncate = opts.truncateCloseReasons ?? true;
    server.on("connection", (socket) => this.onConnection(socket));
  }

  /** Starts listening on 127.0.0.1 on a free port. */
  static async start(opts: FakeGatewayOptions = {}): Promise<FakeGateway> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    return new FakeGateway(server, opts);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The shared secret clients must present (password when in password mode). */
  get secret(): string {
    return this.password ?? this.token;
  }

  /** Authenticated connections that are still open. */
  get open(): LiveClient[] {
    return this.clients.filter((c) => c.authenticated && !c.closed);
  }

  /** Sends an event to every authenticated client. */
  push(event: string, payload: unknown): void {
    for (const c of this.open) c.socket.send(JSON.stringify({ type: "event", event, payload }));
  }

  /** Sends raw text to every authenticated client. */
  pushRaw(text: string): void {
    for (const c of this.open) c.socket.send(text);
  }

  /** Closes every authenticated client with this code and reason (as a restart, a removal or a rotation does). */
  closeAll(code: number, reason: string): void {
    for (const c of this.open) c.socket.close(code, this.truncate ? truncateCloseReason(reason) : reason);
  }

  /** Cuts every authenticated client off without a close frame (the client sees 1006). */
  dropAll(): void {
    for (const c of this.open) c.socket.terminate();
  }

  /** Stops everything: clients terminated, timers cleared, server closed. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.clients) c.socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private every(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setInterval(fn, ms);
    this.timers.add(t);
    return t;
  }

  private onConnection(socket: WebSocket): void {
    const client: LiveClient = {
      socket,
      connId: randomUUID(),
      authenticated: false,
      closed: null,
      ticksSent: 0,
    };
    this.clients.push(client);
    const nonce = randomUUID();
    let tick: NodeJS.Timeout | null = null;
    socket.on("close", (code, reason) => {
      client.closed ??= { code, reason: reason.toString() };
      if (tick) {
        clearInterval(tick);
        this.timers.delete(tick);
      }
    });
    socket.on("error", () => {});
    if (this.sendChallenge) {
      const payload = this.challengePayload ? this.challengePayload(nonce) : { nonce, ts: Date.now() };
      socket.send(JSON.stringify({ type: "event", event: "connect.challenge", payload }));
    }
    let connected = false;
    socket.on("message", (data) => {
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (!isRecord(frame) || frame.type !== "req" || typeof frame.id !== "string") return;
      const id = frame.id;
      if (!connected) {
        if (frame.method !== "connect") {
          this.closeWith(client, 1008, "invalid handshake: first request must be connect");
          return;
        }
        connected = true;
        const started = this.onConnect(client, id, frame.params, nonce);
        if (started) {
          tick = this.every(this.tickIntervalMs, () => {
            if (!this.sendTicks || client.closed) return;
            client.ticksSent++;
            socket.send(JSON.stringify({ type: "event", event: "tick", payload: { ts: Date.now() } }));
          });
        }
        return;
      }
      if (typeof frame.method !== "string") return;
      this.calls.push({ method: frame.method, params: frame.params });
      const handler = this.methods.get(frame.method);
      const result = handler
        ? handler(frame.params)
        : {
            ok: false as const,
            error: { code: "INVALID_REQUEST", message: `unknown method: ${frame.method}` },
          };
      if (result === null) return; // a handler that never answers
      socket.send(JSON.stringify({ type: "res", id, ...result }));
    });
  }

  private closeWith(client: LiveClient, code: number, reason: string): void {
    const r = this.truncate ? truncateCloseReason(reason) : reason;
    client.closed ??= { code, reason: r };
    client.socket.close(code, r);
  }

  /** Verifies the connect like the gateway (deviceId = sha256(raw key), skew, nonce, v3 signature). */
  private verifyDevice(params: Record<string, unknown>, nonce: string): string[] {
    const problems: string[] = [];
    const device = isRecord(params.device) ? params.device : null;
    const client = isRecord(params.client) ? params.client : {};
    const auth = isRecord(params.auth) ? params.auth : {};
    if (!device) return ["no device block"];
    const raw = Buffer.from(String(device.publicKey ?? ""), "base64url");
    if (raw.length !== 32) return ["public key is not 32 bytes"];
    if (createHash("sha256").update(raw).digest("hex") !== device.id)
      problems.push("device id is not sha256(public key)");
    if (typeof device.signedAt !== "number" || Math.abs(Date.now() - device.signedAt) > 120_000)
      problems.push("signature expired");
    if (device.nonce !== nonce) problems.push("nonce mismatch");
    const scopes = Array.isArray(params.scopes) ? params.scopes.join(",") : "";
    const token = auth.token ?? auth.deviceToken ?? auth.bootstrapToken ?? "";
    const payload = [
      "v3",
      device.id,
      client.id,
      client.mode,
      params.role ?? "operator",
      scopes,
      String(device.signedAt),
      token,
      device.nonce,
      lowerAscii(client.platform),
      lowerAscii(client.deviceFamily),
    ].join("|");
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
      format: "der",
      type: "spki",
    });
    const ok = verify(
      null,
      Buffer.from(payload, "utf8"),
      key,
      Buffer.from(String(device.signature ?? ""), "base64url"),
    );
    if (!ok) problems.push("signature invalid");
    return problems;
  }

  private record(
    params: Record<string, unknown>,
    problems: string[],
    secretMatches: boolean,
    reply: RecordedConnect["reply"],
  ) {
    const auth = isRecord(params.auth) ? params.auth : null;
    const redactedAuth = auth
      ? Object.fromEntries(Object.keys(auth).map((k) => [k, "[present]"]))
      : undefined;
    const authKind: RecordedConnect["authKind"] = !auth
      ? "none"
      : Object.keys(auth).join() === "token"
        ? "token"
        : Object.keys(auth).join() === "password"
          ? "password"
          : "other";
    this.connects.push({
      atMs: Date.now(),
      params: { ...params, ...(redactedAuth ? { auth: redactedAuth } : {}) },
      authKind,
      secretMatches,
      signatureProblems: problems,
      reply,
    });
  }

  /** Handles the connect request; true when the connection is now authenticated. */
  private onConnect(client: LiveClient, id: string, rawParams: unknown, nonce: string): boolean {
    const params = isRecord(rawParams) ? rawParams : {};
    const auth = isRecord(params.auth) ? params.auth : {};
    const sent = this.password ? auth.password : auth.token;
    const secretMatches = sent === this.secret;
    const problems = this.verifyDevice(params, nonce);
    const res = (ok: boolean, body: Record<string, unknown>) =>
      client.socket.send(JSON.stringify({ type: "res", id, ok, ...body }));
    if (problems.length > 0) {
      this.record(params, problems, secretMatches, "signature-rejected");
      res(false, {
        error: {
          code: "INVALID_REQUEST",
          message: "device signature invalid",
          details: { code: "DEVICE_AUTH_SIGNATURE_INVALID" },
        },
      });
      this.closeWith(client, 1008, "device signature invalid");
      return false;
    }
    if (!secretMatches) {
      const [message, code] = this.password
        ? AUTH_FAILURES.password_mismatch
        : sent === undefined
          ? AUTH_FAILURES.token_missing
          : AUTH_FAILURES.token_mismatch;
      this.record(params, problems, secretMatches, "auth-rejected");
      res(false, {
        error: {
          code: "INVALID_REQUEST",
          message,
          details: { code, authReason: code === "AUTH_TOKEN_MISSING" ? "token_missing" : "token_mismatch" },
        },
      });
      this.closeWith(client, 1008, message);
      return false;
    }
    const reply = this.replies.shift() ?? this.defaultReply;
    this.record(params, problems, secretMatches, reply.kind);
    switch (reply.kind) {
      case "hello": {
        client.authenticated = true;
        res(true, {
          payload: {
            type: "hello-ok",
            protocol: this.protocol,
            server: { version: this.serverVersion, connId: client.connId },
            features: {
              methods: ["health", "device.pair.list"],
              events: ["tick", "device.pair.requested", "device.pair.resolved"],
            },
            snapshot: {},
            auth: {
              role: "operator",
              scopes: reply.scopes ?? (Array.isArray(params.scopes) ? params.scopes : []),
              deviceToken: `fake-device-token-${client.connId}`,
              issuedAtMs: Date.now(),
            },
            policy: {
              maxPayload: 26_214_400,
              maxBufferedBytes: 52_428_800,
              tickIntervalMs: reply.tickIntervalMs ?? this.tickIntervalMs,
            },
          },
        });
        return true;
      }
      case "pairing-required": {
        const reason = reply.reason ?? "not-paired";
        const requestId = reply.requestId === undefined ? randomUUID() : reply.requestId;
        const device = isRecord(params.device) ? params.device : {};
        const message = reply.bare ? "pairing required" : `pairing required: ${PAIRING_REQUIREMENT[reason]}`;
        const details = reply.bare
          ? { code: "PAIRING_REQUIRED" }
          : {
              code: "PAIRING_REQUIRED",
              reason,
              ...(requestId ? { requestId } : {}),
              remediationHint: "Approve this device from the pending pairing requests.",
              deviceId: device.id,
              requestedRole: params.role,
              requestedScopes: params.scopes,
              ...(reply.approvedScopes ? { approvedScopes: reply.approvedScopes } : {}),
              ...reply.extraDetails,
            };
        res(false, { error: { code: "NOT_PAIRED", message, details } });
        this.closeWith(
          client,
          1008,
          requestId && !reply.bare ? `${message} (requestId: ${requestId})` : message,
        );
        return false;
      }
      case "unauthorized": {
        const [message, code] = AUTH_FAILURES[reply.reason];
        res(false, {
          error: { code: "INVALID_REQUEST", message, details: { code, authReason: reply.reason } },
        });
        this.closeWith(client, 1008, message);
        return false;
      }
      case "error":
        res(false, {
          error: {
            code: reply.code,
            message: reply.message,
            ...(reply.details ? { details: reply.details } : {}),
          },
        });
        if (reply.close !== null)
          this.closeWith(client, reply.close?.code ?? 1008, reply.close?.reason ?? reply.message);
        return false;
      case "close":
        this.closeWith(client, reply.code, reply.reason);
        return false;
      case "silent":
        return false;
    }
  }
}
