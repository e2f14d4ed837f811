// A one-shot OpenClaw gateway WebSocket client (protocol 3 and 4): challenge, signed v3 device block, one call.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import WebSocket from "ws";
import { buildDeviceAuthPayloadV3 } from "../../../src/sources/gateway/protocol.js";
import { type DeviceIdentity, publicKeyBase64Url, signPayload } from "./device-identity.js";

export interface ConnectOptions {
  /** Must be a loopback ws:// URL. */
  url: string;
  /** The shared gateway token (`auth.token`). */
  token?: string;
  /** A device token (`auth.deviceToken`). */
  deviceToken?: string;
  /** Sign a device block with this identity. */
  identity?: DeviceIdentity;
  clientId: string;
  clientMode: string;
  role?: string;
  scopes: readonly string[];
  platform?: string;
  displayName?: string;
  /** One RPC to make after hello-ok. */
  call?: { method: string; params?: unknown };
  /** An Origin header, as a browser sends it (the Control UI's connect is refused without one). */
  origin?: string;
  /** Store hello-ok auth into this device-auth.json the way OpenClaw's GatewayClient does (4.x layout). */
  storeAuthFile?: string;
  timeoutMs?: number;
}

export interface ErrorFrame {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
  retryable?: boolean;
}

export interface HelloSummary {
  protocol: number | null;
  serverVersion: string | null;
  role: string | null;
  scopes: string[];
  /** Whether hello-ok carried a device token (its value is never returned). */
  deviceTokenIssued: boolean;
}

export type CallOutcome =
  | { ok: true; method: string; payload: unknown }
  | { ok: false; method: string; message: string; frame: ErrorFrame };

export interface ConnectOutcome {
  hello: HelloSummary | null;
  connectError: { message: string; frame: ErrorFrame } | null;
  call: CallOutcome | null;
  close: { code: number; reason: string } | null;
  storedAuth: { file: string; scopes: string[] } | null;
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

function toErrorFrame(value: unknown): ErrorFrame {
  if (!isRecord(value)) return {};
  return {
    code: str(value.code) ?? undefined,
    message: str(value.message) ?? undefined,
    details: isRecord(value.details) ? value.details : undefined,
    retryable: typeof value.retryable === "boolean" ? value.retryable : undefined,
  };
}

const LOOPBACK_URL = /^wss?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

/** OpenClaw's normalizeDeviceAuthScopes: trim, dedupe, admin implies read+write, write implies read, sort. */
export function normalizeDeviceAuthScopes(scopes: readonly string[]): string[] {
  const out = new Set(scopes.map((s) => s.trim()).filter(Boolean));
  if (out.has("operator.admin")) {
    out.add("operator.read");
    out.add("operator.write");
  } else if (out.has("operator.write")) out.add("operator.read");
  return [...out].sort();
}

/** GatewayClient's storeDeviceAuthToken (2026.4.x): one entry per role, other device ids' tokens dropped. */
function storeDeviceAuth(
  file: string,
  deviceId: string,
  role: string,
  token: string,
  scopes: string[],
): string[] {
  let tokens: Json = {};
  if (existsSync(file)) {
    try {
      const previous: unknown = JSON.parse(readFileSync(file, "utf8"));
      if (isRecord(previous) && previous.deviceId === deviceId && isRecord(previous.tokens))
        tokens = previous.tokens;
    } catch {
      // unreadable: replaced, as OpenClaw does
    }
  }
  const normalized = normalizeDeviceAuthScopes(scopes);
  const next = {
    version: 1,
    deviceId,
    tokens: { ...tokens, [role]: { token, role, scopes: normalized, updatedAtMs: Date.now() } },
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return normalized;
}

/**
 * Connect once, optionally make one call, close, and report everything that happened: hello-ok (without the
 * device token), the connect error frame, the call result and the close code and reason.
 */
export function connectOnce(options: ConnectOptions): Promise<ConnectOutcome> {
  if (!LOOPBACK_URL.test(options.url))
    return Promise.reject(new Error(`refusing non-loopback url ${options.url}`));
  const role = options.role ?? "operator";
  const platform = options.platform ?? process.platform;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const outcome: ConnectOutcome = {
    hello: null,
    connectError: null,
    call: null,
    close: null,
    storedAuth: null,
  };
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(options.url, {
      handshakeTimeout: timeoutMs,
      ...(options.origin ? { origin: options.origin } : {}),
    });
    const pending = new Map<string, (frame: Json) => void>();
    let seq = 0;
    const request = (method: string, params: unknown): Promise<Json> =>
      new Promise((done) => {
        const id = `e2e-${++seq}`;
        pending.set(id, done);
        ws.send(JSON.stringify({ type: "req", id, method, params }));
      });
    const timer = setTimeout(() => {
      ws.terminate();
      const stage = outcome.hello
        ? `after hello-ok, during ${options.call?.method ?? "close"}`
        : "before hello-ok";
      reject(
        new Error(
          `gateway client ${options.clientId}/${options.clientMode} timed out after ${timeoutMs} ms ${stage}`,
        ),
      );
    }, timeoutMs);
    ws.on("close", (code, reason) => {
      clearTimeout(timer);
      outcome.close = { code, reason: reason.toString("utf8") };
      resolve(outcome);
    });
    ws.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`gateway client error: ${error.message}`));
    });
    const onChallenge = async (payload: Json): Promise<void> => {
      const nonce = str(payload.nonce) ?? "";
      const signedAt =
        typeof payload.ts === "number" && Number.isInteger(payload.ts) ? payload.ts : Date.now();
      const auth: Json = {};
      if (options.token) auth.token = options.token;
      if (options.deviceToken) auth.deviceToken = options.deviceToken;
      const identity = options.identity;
      const device = identity
        ? {
            id: identity.deviceId,
            publicKey: publicKeyBase64Url(identity),
            signature: signPayload(
              identity,
              // the product's builder: the real gateway verifying it is the check that it is right
              buildDeviceAuthPayloadV3({
                deviceId: identity.deviceId,
                clientId: options.clientId,
                clientMode: options.clientMode,
                role,
                scopes: options.scopes,
                signedAtMs: signedAt,
                token: options.token ?? options.deviceToken ?? "",
                nonce,
                platform,
                deviceFamily: "",
              }),
            ),
            signedAt,
            nonce,
          }
        : undefined;
      const res = await request("connect", {
        minProtocol: 3,
        maxProtocol: 4,
        client: {
          id: options.clientId,
          displayName: options.displayName ?? "scope-watchdog-e2e",
          version: "0.0.0-e2e",
          platform,
          mode: options.clientMode,
        },
        caps: [],
        role,
        scopes: options.scopes,
        ...(Object.keys(auth).length > 0 ? { auth } : {}),
        ...(device ? { device } : {}),
      });
      if (res.ok !== true) {
        const frame = toErrorFrame(res.error);
        outcome.connectError = { message: frame.message ?? "connect failed", frame };
        return; // the gateway closes the socket itself (1008 for pairing and auth failures)
      }
      const hello = isRecord(res.payload) ? res.payload : {};
      const helloAuth = isRecord(hello.auth) ? hello.auth : {};
      const server = isRecord(hello.server) ? hello.server : {};
      const deviceToken = str(helloAuth.deviceToken);
      outcome.hello = {
        protocol: typeof hello.protocol === "number" ? hello.protocol : null,
        serverVersion: str(server.version),
        role: str(helloAuth.role),
        scopes: strings(helloAuth.scopes),
        deviceTokenIssued: deviceToken !== null,
      };
      if (options.storeAuthFile && identity && deviceToken) {
        const storedRole = str(helloAuth.role) ?? role;
        const scopes = storeDeviceAuth(
          options.storeAuthFile,
          identity.deviceId,
          storedRole,
          deviceToken,
          strings(helloAuth.scopes),
        );
        outcome.storedAuth = { file: options.storeAuthFile, scopes };
      }
      if (options.call) {
        const callRes = await request(options.call.method, options.call.params ?? {});
        if (callRes.ok === true)
          outcome.call = { ok: true, method: options.call.method, payload: callRes.payload };
        else {
          const frame = toErrorFrame(callRes.error);
          outcome.call = { ok: false, method: options.call.method, message: frame.message ?? "error", frame };
        }
      }
      ws.close(1000, "done");
    };
    ws.on("message", (data: WebSocket.RawData) => {
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (!isRecord(frame)) return;
      if (frame.type === "res" && typeof frame.id === "string") {
        const done = pending.get(frame.id);
        pending.delete(frame.id);
        done?.(frame);
        return;
      }
      if (frame.type === "event" && frame.event === "connect.challenge") {
        onChallenge(isRecord(frame.payload) ? frame.payload : {}).catch((error: unknown) => {
          clearTimeout(timer);
          ws.terminate();
          reject(error instanceof Error ? error : new Error(String(error)));
        });
      }
    });
  });
}
