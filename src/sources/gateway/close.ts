// What the end of a gateway connection means, pure: observation, pause or retry, the session's end, backoff.

import type { Observation, ObservationKind } from "../../common/types.js";
import { type ConnectErrorInfo, sanitizeText, validRequestId } from "./protocol.js";

/** OpenClaw's PAIRING_CONNECT_REASON_METADATA requirements, as they appear in close reasons. */
const PAIRING_REQUIREMENTS: ReadonlyArray<[string, string]> = [
  ["device is not approved yet", "not-paired"],
  ["device is asking for a higher role than currently approved", "role-upgrade"],
  ["device is asking for more scopes than currently approved", "scope-upgrade"],
  ["device identity changed and must be re-approved", "metadata-upgrade"],
];

export interface CloseClass {
  kind: ObservationKind;
  reason?: string;
  requestId?: string;
}

/**
 * What a close code and reason mean. The gateway cuts reasons at 120 bytes, which cuts the requestId off the
 * scope- and role-upgrade reasons: a requestId is taken only when its closing parenthesis survived.
 */
export function parseCloseReason(code: number, reason: string): CloseClass {
  const text = reason.trim();
  const lower = text.toLowerCase();
  if (lower.startsWith("pairing required")) {
    const match = PAIRING_REQUIREMENTS.find(([phrase]) => lower.includes(phrase));
    const id = validRequestId(/\(requestId:\s*([^\s)]+)\)/i.exec(text)?.[1]);
    // a bare "pairing required" (2026.4.18) names no reason: it was sent for scope upgrades too
    return {
      kind: "pairing-required-close",
      ...(match ? { reason: match[1] } : {}),
      ...(id ? { requestId: id } : {}),
    };
  }
  if (lower.startsWith("unauthorized")) {
    const phrase = text.replace(/^unauthorized:?\s*/i, "").replace(/\s*\(.*$/, "") || "unauthorized";
    const kind = lower.startsWith("unauthorized: device token")
      ? "device-token-mismatch"
      : "gateway-auth-failure";
    return { kind, reason: phrase };
  }
  if (code === 4001 && lower.includes("device removed"))
    return { kind: "device-removed", reason: "device removed" };
  if (code === 4001) return { kind: "gateway-auth-failure", reason: text || "closed 4001" };
  if (/^device (identity|signature|nonce|public key)|^control ui requires device identity/.test(lower)) {
    return { kind: "gateway-auth-failure", reason: text };
  }
  if (code === 1006 && !text) return { kind: "connection-closed", reason: "abnormal closure" };
  return { kind: "connection-closed", ...(text ? { reason: text } : {}) };
}

const DEVICE_TOKEN_CODES = new Set(["AUTH_DEVICE_TOKEN_MISMATCH", "AUTH_SCOPE_MISMATCH"]);

export interface EndInput {
  atMs: number;
  url: string;
  /** The watchdog's own device (every observation of its connection carries it unless details name another). */
  deviceId: string;
  secrets: readonly string[];
  code: number;
  reason: string;
  connectError: ConnectErrorInfo | null;
  /** Set when the gateway never answered: refused, timed out, no challenge, no reply to connect. */
  unreachable: string | null;
  /** Set when no socket was opened because the listener is not this user's gateway (verifyListener). */
  untrusted?: string | null;
}

/** The observation for the end of one connection of ours. */
export function classifyEnd(input: EndInput): Observation {
  const clean = (t: string) => sanitizeText(t, input.secrets);
  const base = { source: "connection" as const, atMs: input.atMs, deviceId: input.deviceId };
  if (input.untrusted) {
    return {
      ...base,
      kind: "listener-untrusted",
      text: clean(`did not connect to ${input.url}: ${input.untrusted}`),
    };
  }
  if (input.unreachable !== null) {
    return {
      ...base,
      kind: "gateway-unreachable",
      text: clean(`cannot reach the OpenClaw gateway at ${input.url}: ${input.unreachable}`),
    };
  }
  const ce = input.connectError;
  const cls = parseCloseReason(input.code, input.reason);
  let kind = cls.kind;
  let reason = cls.reason;
  if (ce?.detailCode === "PAIRING_REQUIRED") kind = "pairing-required-close";
  else if (ce?.detailCode && DEVICE_TOKEN_CODES.has(ce.detailCode)) kind = "device-token-mismatch";
  else if (ce?.detailCode && /^(AUTH_|DEVICE_|CONTROL_UI_)/.test(ce.detailCode))
    kind = "gateway-auth-failure";
  if (kind === "pairing-required-close") reason = ce?.reason ?? cls.reason;
  else if (ce && kind !== "connection-closed") reason = ce.authReason ?? ce.detailCode ?? reason;
  const requestId = ce?.requestId ?? cls.requestId;
  const refused = ce ? `; connect refused: ${ce.message}${ce.detailCode ? ` (${ce.detailCode})` : ""}` : "";
  const obs: Observation = {
    ...base,
    kind,
    code: input.code,
    closeReason: clean(input.reason),
    text: clean(`gateway closed (${input.code}): ${input.reason || "no reason"}${refused}`),
  };
  if (reason) obs.reason = clean(reason);
  if (requestId) obs.requestId = requestId;
  if (kind === "pairing-required-close" && ce) {
    if (ce.deviceId) obs.deviceId = clean(ce.deviceId);
    if (ce.requestedScopes.length) obs.scopes = ce.requestedScopes.map(clean);
    if (ce.approvedScopes.length) obs.scopesFrom = ce.approvedScopes.map(clean);
  }
  return obs;
}

/** GatewayClient's NON_RECOVERABLE_AUTH_ERRORS (2026.9.6, a superset of 4.20's list). */
const PAUSE_CODES = new Set([
  "AUTH_TOKEN_MISSING",
  "AUTH_BOOTSTRAP_TOKEN_INVALID",
  "AUTH_PASSWORD_MISSING",
  "AUTH_PASSWORD_MISMATCH",
  "AUTH_RATE_LIMITED",
  "AUTH_DEVICE_TOKEN_MISMATCH",
  "AUTH_SCOPE_MISMATCH",
  "AUTH_IDENTITY_HEADER_REQUIRED",
  "AUTH_VERIFIED_USER_REQUIRED",
  "CONTROL_UI_BUILD_MISMATCH",
  "PAIRING_REQUIRED",
  "CONTROL_UI_DEVICE_IDENTITY_REQUIRED",
  "DEVICE_IDENTITY_REQUIRED",
  // OpenClaw retries a token mismatch once with a stored device token; the watchdog keeps none, so it is final
  "AUTH_TOKEN_MISMATCH",
]);

/** Detail codes the close reason alone implies, for gateways whose refusal carried no details. */
function detailFromReason(reason: string): string | null {
  const r = reason.toLowerCase();
  if (r.startsWith("pairing required")) return "PAIRING_REQUIRED";
  if (r.startsWith("unauthorized: gateway token mismatch")) return "AUTH_TOKEN_MISMATCH";
  if (r.startsWith("unauthorized: gateway token missing")) return "AUTH_TOKEN_MISSING";
  if (r.startsWith("unauthorized: gateway password mismatch")) return "AUTH_PASSWORD_MISMATCH";
  if (r.startsWith("unauthorized: gateway password missing")) return "AUTH_PASSWORD_MISSING";
  if (r.startsWith("unauthorized: too many failed")) return "AUTH_RATE_LIMITED";
  return null;
}

export interface PauseInput {
  code: number;
  reason: string;
  connectError: ConnectErrorInfo | null;
  /** Stop after 4001 "device removed" (or a rotated/revoked token): reconnecting would re-pair it on loopback. */
  pauseOnDeviceRemoved: boolean;
  secrets: readonly string[];
}

/** Why reconnecting is pointless until a human acts, in plain words; null when a retry may work. */
export function decidePause(input: PauseInput): string | null {
  const ce = input.connectError;
  const detail = ce?.detailCode ?? detailFromReason(input.reason);
  const said = sanitizeText(ce?.message ?? input.reason, input.secrets, 300);
  if (input.code === 4001 && /device removed/i.test(input.reason)) {
    return input.pauseOnDeviceRemoved
      ? "this watchdog's device was removed from the gateway (or its token was rotated or revoked): run `scope-watchdog pair` to pair it again"
      : null;
  }
  if (!detail || !PAUSE_CODES.has(detail)) return null;
  if (detail === "PAIRING_REQUIRED") {
    if (ce?.pauseReconnect === false || ce?.recommendedNextStep === "wait_then_retry") return null;
    const parsedReason = ce?.reason ?? parseCloseReason(input.code, input.reason).reason;
    // a reason from the gateway's frame is outside text: through the redactor and cleaned like the rest
    const reason = parsedReason === undefined ? undefined : sanitizeText(parsedReason, input.secrets, 128);
    const requestId = ce?.requestId ?? parseCloseReason(input.code, input.reason).requestId;
    const pending = requestId
      ? ` (request ${requestId} waits for \`openclaw devices approve ${requestId}\`)`
      : "";
    return reason && reason !== "not-paired"
      ? `this watchdog's device needs a new approval (${reason}): run \`scope-watchdog pair\`${pending}`
      : `this watchdog's device is not paired yet: run \`scope-watchdog pair\`${pending}`;
  }
  switch (detail) {
    case "AUTH_TOKEN_MISMATCH":
      return `the gateway token in openclaw.json does not match the gateway: ${said}`;
    case "AUTH_TOKEN_MISSING":
      return `the gateway wants a token and openclaw.json has none (gateway.auth.token or OPENCLAW_GATEWAY_TOKEN): ${said}`;
    case "AUTH_PASSWORD_MISMATCH":
      return `the gateway password in openclaw.json does not match the gateway: ${said}`;
    case "AUTH_PASSWORD_MISSING":
      return `the gateway wants a password and openclaw.json has none (gateway.auth.password): ${said}`;
    case "AUTH_RATE_LIMITED":
      return `the gateway refuses logins from this machine after too many failures: ${said}`;
    default:
      return `the gateway refused this watchdog's device (${detail}): ${said}`;
  }
}

// ---------------------------------------------------------------------------------------------- backoff

/** How one socket ended. */
export interface SessionEnd {
  code: number;
  reason: string;
  /** hello-ok had been received. */
  opened: boolean;
  openedAtMs: number | null;
  connectError: ConnectErrorInfo | null;
  /** Why the gateway could not be reached or did not answer (refused, timed out, no challenge), else null. */
  unreachable: string | null;
  /** Ended by stop()/close(): no observation, no pause. */
  stopped: boolean;
  observation: Observation | null;
  pauseReason: string | null;
}

/** What a session knows when its socket has closed. */
export interface SessionFacts {
  atMs: number;
  url: string;
  /** The watchdog's own device. */
  deviceId: string;
  secrets: readonly string[];
  /** The close as the socket reported it. */
  closeCode: number;
  closeReason: string;
  /** The close this side started (a timeout, a failed send, stop): it wins, as it says why. */
  localClose: { code: number; reason: string } | null;
  /** hello-ok had been received. */
  opened: boolean;
  openedAtMs: number | null;
  /** The WebSocket handshake had completed. */
  socketOpened: boolean;
  /** Why the gateway did not answer, as far as the session found out (no challenge, no reply to connect). */
  unreachable: string | null;
  /** Why no socket was opened: the listener is not this user's gateway. */
  untrusted: string | null;
  /** The socket's first error, already free of secrets. */
  socketError: string | null;
  /** Closed on purpose (stop). */
  stopped: boolean;
  connectError: ConnectErrorInfo | null;
  pauseOnDeviceRemoved: boolean;
}

/** The end of one session as data: its close, whether the gateway answered at all, its observation and pause. */
export function resolveSessionEnd(f: SessionFacts): SessionEnd {
  const code = f.localClose?.code ?? f.closeCode;
  const reason = f.localClose?.reason ?? f.closeReason;
  const found =
    f.socketOpened || f.unreachable !== null
      ? f.unreachable
      : (f.socketError ?? `the connection closed before the WebSocket handshake (${f.closeCode})`);
  const unreachable = f.opened ? null : found;
  return {
    code,
    reason,
    opened: f.opened,
    openedAtMs: f.openedAtMs,
    connectError: f.connectError,
    unreachable,
    stopped: f.stopped,
    observation: f.stopped
      ? null
      : classifyEnd({
          atMs: f.atMs,
          url: f.url,
          deviceId: f.deviceId,
          secrets: f.secrets,
          code,
          reason,
          connectError: f.connectError,
          unreachable,
          untrusted: f.untrusted,
        }),
    pauseReason:
      f.stopped || unreachable !== null || f.untrusted !== null
        ? null
        : decidePause({
            code,
            reason,
            connectError: f.connectError,
            pauseOnDeviceRemoved: f.pauseOnDeviceRemoved,
            secrets: f.secrets,
          }),
  };
}

export interface BackoffPolicy {
  initialMs: number;
  multiplier: number;
  maxMs: number;
  /** ± this fraction of the delay, drawn from the injected random source. */
  jitter: number;
  /** A connection that stayed open this long resets the schedule. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 1_000,
  multiplier: 2,
  maxMs: 60_000,
  jitter: 0.2,
  resetAfterMs: 60_000,
};

/** The delay before retry number `attempt` (0-based): exponential, capped, jittered by `random` in [0, 1). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, attempt));
  const factor = 1 - policy.jitter + 2 * policy.jitter * Math.min(Math.max(random, 0), 1);
  return Math.round(Math.min(policy.maxMs, Math.max(0, base * factor)));
}
