// OpenClaw gateway protocol, pure: URL, connect request and v3 signature, frames, hello-ok, errors, events.

import { type KeyObject, sign } from "node:crypto";
import { cleanField, cleanText } from "../../common/clean-text.js";
import { redact } from "../../common/redact.js";
import type { Secret } from "../../common/secret.js";
import type { Observation } from "../../common/types.js";

/** 2026.4.x speaks protocol 3, 2026.9.x protocol 4; offering both works on each (real-gateway-lab §5). */
export const PROTOCOL_MIN = 3;
export const PROTOCOL_MAX = 4;
/** What the watchdog's own device asks for: read the pairing state, receive device.pair.* events. */
export const WATCHDOG_SCOPES: readonly string[] = ["operator.read", "operator.pairing"];
/**
 * `cli`/`cli`: an allowed id/mode on 2026.4.20 and 2026.9.6 (client-info.ts) that is not the reserved
 * `gateway-client`/`backend` trust path (#72418), and whose mode keeps it out of the gateway's presence list.
 */
export const WATCHDOG_CLIENT = { id: "cli", mode: "cli", displayName: "openclaw-scope-watchdog" } as const;
export const WATCHDOG_ROLE = "operator";
/** OpenClaw's TICK_INTERVAL_MS, used when hello-ok carries no policy. */
export const DEFAULT_TICK_INTERVAL_MS = 30_000;
/** Observation text limit (types.ts). */
export const MAX_TEXT_CHARS = 500;
/** OpenClaw's PAIRING_CONNECT_REQUEST_ID_PATTERN: a request id we print inside a shell command must match it. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export type JsonRecord = Record<string, unknown>;

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);
/** Longest short field read from a frame (a code, a reason, a version, one scope). */
export const MAX_FRAME_FIELD_CHARS = 256;
/** A short text field of a frame, as data: unsafe characters replaced, capped; null when empty. */
const field = (v: unknown): string | null => {
  const s = str(v);
  return s === null ? null : cleanField(s, MAX_FRAME_FIELD_CHARS);
};
/** The most items read of a list in a frame (scopes, methods, events); a frame may be 25 MiB. */
export const MAX_FRAME_LIST_ITEMS = 1024;
const strings = (v: unknown): string[] =>
  Array.isArray(v)
    ? v
        .slice(0, MAX_FRAME_LIST_ITEMS * 4)
        .filter((s): s is string => typeof s === "string" && s.trim() !== "")
        .slice(0, MAX_FRAME_LIST_ITEMS)
    : [];
const int = (v: unknown): number | null => (typeof v === "number" && Number.isSafeInteger(v) ? v : null);

const fields = (v: unknown): string[] => strings(v).map((s) => cleanField(s, MAX_FRAME_FIELD_CHARS));

/** A request id as OpenClaw accepts it, or null (anything else is never put into a command). */
export function validRequestId(value: unknown): string | null {
  const s = typeof value === "string" ? value.trim() : "";
  return REQUEST_ID.test(s) ? s : null;
}

/**
 * Text safe for a log line or an observation: secrets removed by the one redactor, control characters flattened,
 * bidi and invisible characters removed, ≤ `max` characters.
 */
export function sanitizeText(text: string, secrets: readonly string[], max = MAX_TEXT_CHARS): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: flattening control characters is the point
  const flat = redact(text, { extra: secrets }).replace(/[\u0000-\u001f\u007f]+/g, " ");
  return cleanText(flat, max);
}

/** `ws://127.0.0.1:<port>`, the gateway's loopback listener. */
export function gatewayUrl(port: number): string {
  return `ws://127.0.0.1:${port}`;
}

/** True for ws:// and wss:// URLs on 127.0.0.0/8, [::1] or localhost. */
export function isLoopbackUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== "ws:" && u.protocol !== "wss:") return false;
  return /^127(\.\d{1,3}){3}$/.test(u.hostname) || u.hostname === "[::1]" || u.hostname === "localhost";
}

/** Throws on a URL the connection must not use (a config error, not a runtime condition). */
export function assertGatewayUrl(url: string, allowNonLoopback = false): void {
  if (isLoopbackUrl(url)) return;
  if (allowNonLoopback && /^wss?:\/\//.test(url)) return;
  throw new Error(
    `refusing to connect to ${url}: the watchdog only talks to a gateway on loopback (ws://127.0.0.1:<port>)` +
      (allowNonLoopback ? "" : "; a remote gateway must be allowed explicitly"),
  );
}

// ---------------------------------------------------------------------------------------------- connect

/** The key material the connect frame is signed with (the private key stays a KeyObject: it never prints). */
export interface DeviceSigner {
  deviceId: string;
  /** base64url of the raw 32-byte Ed25519 public key. */
  publicKey: string;
  privateKey: KeyObject;
}

/** How the gateway authenticates shared-secret clients (GatewaySettings.authMode and .secret). */
export interface GatewayAuth {
  mode: string | null;
  secret: Secret | null;
}

export interface ConnectChallenge {
  nonce: string;
  /** The gateway's clock when it sent the challenge; signedAt uses it, so local clock skew does not matter. */
  ts: number | null;
}

export interface ConnectParams {
  minProtocol: number;
  maxProtocol: number;
  client: { id: string; displayName: string; version: string; platform: string; mode: string };
  caps: string[];
  role: string;
  scopes: string[];
  auth?: { token: string } | { password: string };
  device: { id: string; publicKey: string; signature: string; signedAt: number; nonce: string };
}

export interface ConnectInput {
  signer: DeviceSigner;
  challenge: ConnectChallenge;
  auth: GatewayAuth;
  clientVersion: string;
  platform: string;
  scopes?: readonly string[];
  /** signedAt when the challenge carried no usable ts. */
  nowMs: number;
}

/** OpenClaw's normalizeDeviceMetadataForAuth: trimmed, ASCII letters lower-cased, nothing else touched. */
export function normalizeDeviceMetadata(value: string | null | undefined): string {
  const trimmed = typeof value === "string" ? value.trim() : "";
  return trimmed.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

export interface DeviceAuthPayloadInput {
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: readonly string[];
  signedAtMs: number;
  token: string | null;
  nonce: string;
  platform?: string | null;
  deviceFamily?: string | null;
}

/** The exact string OpenClaw's buildDeviceAuthPayloadV3 signs (src/gateway/device-auth.ts). */
export function buildDeviceAuthPayloadV3(p: DeviceAuthPayloadInput): string {
  return [
    "v3",
    p.deviceId,
    p.clientId,
    p.clientMode,
    p.role,
    p.scopes.join(","),
    String(p.signedAtMs),
    p.token ?? "",
    p.nonce,
    normalizeDeviceMetadata(p.platform),
    normalizeDeviceMetadata(p.deviceFamily),
  ].join("|");
}

/** Ed25519 signature of the payload, base64url, as the gateway verifies it. */
export function signDevicePayload(privateKey: KeyObject, payload: string): string {
  return sign(null, Buffer.from(payload, "utf8"), privateKey).toString("base64url");
}

/** The challenge's nonce and ts, or null when there is no nonce (OpenClaw closes 1008 then). */
export function parseChallenge(payload: unknown): ConnectChallenge | null {
  if (!isRecord(payload)) return null;
  const nonce = str(payload.nonce)?.trim();
  if (!nonce) return null;
  const ts = int(payload.ts);
  return { nonce, ts: ts !== null && ts >= 0 ? ts : null };
}

/** The connect params; the only place the shared secret is revealed (into the frame, never elsewhere). */
export function buildConnectParams(input: ConnectInput): ConnectParams {
  const scopes = [...(input.scopes ?? WATCHDOG_SCOPES)];
  const secret = input.auth.secret?.reveal() ?? "";
  const usePassword = input.auth.mode === "password";
  const auth = secret ? (usePassword ? { password: secret } : { token: secret }) : undefined;
  const signedAt = input.challenge.ts ?? input.nowMs;
  const payload = buildDeviceAuthPayloadV3({
    deviceId: input.signer.deviceId,
    clientId: WATCHDOG_CLIENT.id,
    clientMode: WATCHDOG_CLIENT.mode,
    role: WATCHDOG_ROLE,
    scopes,
    signedAtMs: signedAt,
    // OpenClaw signs auth.token (else a device/bootstrap token); a password is never part of the payload
    token: secret && !usePassword ? secret : null,
    nonce: input.challenge.nonce,
    platform: input.platform,
  });
  return {
    minProtocol: PROTOCOL_MIN,
    maxProtocol: PROTOCOL_MAX,
    client: {
      id: WATCHDOG_CLIENT.id,
      displayName: WATCHDOG_CLIENT.displayName,
      version: input.clientVersion,
      platform: input.platform,
      mode: WATCHDOG_CLIENT.mode,
    },
    caps: [],
    role: WATCHDOG_ROLE,
    scopes,
    ...(auth ? { auth } : {}),
    device: {
      id: input.signer.deviceId,
      publicKey: input.signer.publicKey,
      signature: signDevicePayload(input.signer.privateKey, payload),
      signedAt,
      nonce: input.challenge.nonce,
    },
  };
}

/** A request frame as text. */
export function buildRequestFrame(id: string, method: string, params: unknown): string {
  return JSON.stringify({ type: "req", id, method, ...(params === undefined ? {} : { params }) });
}

// ---------------------------------------------------------------------------------------------- frames

export type GatewayFrame =
  | { type: "event"; event: string; payload: unknown; seq: number | null }
  | { type: "res"; id: string; ok: boolean; payload: unknown; error: unknown };
export type ParsedFrame = GatewayFrame | { type: "invalid"; why: string };

/** A frame from the gateway, or why it is not one (ignored and counted by the caller). */
export function parseFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { type: "invalid", why: "not JSON" };
  }
  if (!isRecord(value)) return { type: "invalid", why: "not an object" };
  if (value.type === "event") {
    const event = str(value.event);
    return event
      ? { type: "event", event, payload: value.payload, seq: int(value.seq) }
      : { type: "invalid", why: "event without a name" };
  }
  if (value.type === "res") {
    const id = str(value.id);
    if (!id || typeof value.ok !== "boolean") return { type: "invalid", why: "response without id or ok" };
    return { type: "res", id, ok: value.ok, payload: value.payload, error: value.error };
  }
  return { type: "invalid", why: `unknown frame type ${cleanField(JSON.stringify(String(value.type)), 40)}` };
}

/** The text of a ws message (string, Buffer, fragments or ArrayBuffer); null for anything else. */
export function frameText(data: unknown): string | null {
  if (typeof data === "string") return data;
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data))
    return Buffer.concat(data.filter((b): b is Buffer => Buffer.isBuffer(b))).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return null;
}

/** What hello-ok told us (the device token it may carry is deliberately not read). */
export interface HelloInfo {
  protocol: number | null;
  serverVersion: string | null;
  connId: string | null;
  role: string | null;
  /** The scopes granted to this connection (hello-ok.auth.scopes). */
  scopes: string[];
  tickIntervalMs: number | null;
  methods: string[];
  events: string[];
}

/** hello-ok's useful fields, or null when the payload is not an object. */
export function parseHelloOk(payload: unknown): HelloInfo | null {
  if (!isRecord(payload)) return null;
  const server = isRecord(payload.server) ? payload.server : {};
  const auth = isRecord(payload.auth) ? payload.auth : {};
  const policy = isRecord(payload.policy) ? payload.policy : {};
  const features = isRecord(payload.features) ? payload.features : {};
  const tick = int(policy.tickIntervalMs);
  return {
    protocol: int(payload.protocol),
    serverVersion: field(server.version),
    connId: field(server.connId),
    role: field(auth.role),
    scopes: fields(auth.scopes),
    tickIntervalMs: tick !== null && tick > 0 ? tick : null,
    methods: fields(features.methods),
    events: fields(features.events),
  };
}

/** A refused connect (or call): the error frame and its `details` (connect-error-details.ts). */
export interface ConnectErrorInfo {
  /** ErrorCodes: NOT_PAIRED, INVALID_REQUEST, … */
  code: string | null;
  message: string;
  /** details.code: PAIRING_REQUIRED, AUTH_TOKEN_MISMATCH, … */
  detailCode: string | null;
  /** details.reason: not-paired, scope-upgrade, role-upgrade, metadata-upgrade. */
  reason: string | null;
  requestId: string | null;
  deviceId: string | null;
  requestedScopes: string[];
  approvedScopes: string[];
  authReason: string | null;
  recommendedNextStep: string | null;
  /** 2026.9.x: false when the gateway says retrying is fine. */
  pauseReconnect: boolean | null;
}

/** Reads an error frame defensively; unknown shapes give a message and nulls. */
export function parseConnectError(error: unknown): ConnectErrorInfo {
  const e = isRecord(error) ? error : {};
  const d = isRecord(e.details) ? e.details : {};
  const message = str(e.message);
  return {
    code: field(e.code),
    message: message === null ? "gateway request failed" : cleanText(message, 4 * 1024),
    detailCode: field(d.code),
    reason: field(d.reason),
    requestId: validRequestId(d.requestId),
    deviceId: field(d.deviceId),
    requestedScopes: fields(d.requestedScopes),
    approvedScopes: fields(d.approvedScopes),
    authReason: field(d.authReason),
    recommendedNextStep: field(d.recommendedNextStep),
    pauseReconnect: typeof d.pauseReconnect === "boolean" ? d.pauseReconnect : null,
  };
}

// ---------------------------------------------------------------------------------------------- events

/** device.pair.requested / device.pair.resolved as observations; null for every other event. */
export function observeEvent(
  event: string,
  payload: unknown,
  atMs: number,
  secrets: readonly string[],
): Observation | null {
  if (event !== "device.pair.requested" && event !== "device.pair.resolved") return null;
  const p = isRecord(payload) ? payload : {};
  const clean = (t: string) => sanitizeText(t, secrets);
  const requestId = validRequestId(p.requestId);
  const deviceId = str(p.deviceId);
  const base: Observation = { kind: "upgrade-requested", source: "connection", atMs, text: "" };
  if (requestId) base.requestId = requestId;
  if (deviceId) base.deviceId = clean(deviceId);
  if (event === "device.pair.resolved") {
    const decision = str(p.decision);
    return {
      ...base,
      kind: "pairing-resolved",
      ...(decision ? { reason: clean(decision) } : {}),
      text: clean(
        `device.pair.resolved: request ${requestId ?? "?"} of device ${deviceId ?? "?"} ${decision ?? "resolved"}`,
      ),
    };
  }
  const scopes = strings(p.scopes);
  const clientId = str(p.clientId);
  const role = str(p.role);
  const remoteIp = str(p.remoteIp);
  const obs: Observation = {
    ...base,
    text: clean(
      `device.pair.requested: device ${deviceId ?? "?"} (client ${clientId ?? "?"}/${str(p.clientMode) ?? "?"}, role ${role ?? "?"}) asks for ${scopes.join(", ") || "no scopes"}` +
        `${p.isRepair === true ? " (already paired: an upgrade or repair)" : ""}${remoteIp ? ` from ${remoteIp}` : ""}`,
    ),
  };
  if (scopes.length) obs.scopes = scopes.map(clean);
  if (clientId) obs.clientId = clean(clientId);
  // isRepair false means the device has no pairing at all; true leaves scope/role/metadata upgrade open
  if (p.isRepair === false) obs.reason = "not-paired";
  return obs;
}
