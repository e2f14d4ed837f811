// The guards of DESIGN §5 for approving one pending request: pure predicates over the pairing data. The one
// place that decides whether a request is safe to approve, for the remediation policy, the interpreter that
// re-checks before it runs, and every fix text a person is shown.

import { approvedBaseline, pendingExpiresInMs, rolesOf } from "../common/pairing.js";
import { formatScopes, missingScopes, normalizeScopes } from "../common/scopes.js";
import type { LocalIdentity, PairedDevice, PendingRequest } from "../common/types.js";
import { shortId } from "./explain.js";

/**
 * Client ids that sign with the machine's shared device identity from a terminal or the gateway itself
 * (2026.4.20 GATEWAY_CLIENT_IDS). Everything else is refused: browser UIs (openclaw-control-ui, webchat,
 * webchat-ui), phone apps (openclaw-ios, openclaw-android), the macOS desktop app (openclaw-macos: a separate
 * app with its own identity and its own approval UI, which never legitimately presents this Linux/WSL machine's
 * device, so a request from it claiming this device is a red flag), node hosts, test/fingerprint/probe ids,
 * and ids this version does not know.
 */
export const AUTO_APPROVABLE_CLIENTS: ReadonlySet<string> = new Set([
  "cli",
  "gateway-client",
  "openclaw-tui",
]);
export const REFUSED_CLIENT_KINDS: Readonly<Record<string, string>> = {
  "openclaw-control-ui": "the browser Control UI",
  webchat: "a browser webchat client",
  "webchat-ui": "a browser webchat client",
  "openclaw-ios": "the iOS app",
  "openclaw-android": "the Android app",
  "openclaw-macos": "the macOS desktop app",
  "node-host": "a node host",
};
const AUTO_APPROVABLE_MODES: ReadonlySet<string> = new Set(["cli", "backend", "ui", "probe"]);

/** A request id we are willing to put into argv: no leading dash (option injection), no spaces, bounded. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** A timestamp further ahead than this is forged or from a broken clock: never "fresh". */
const MAX_FUTURE_SKEW_MS = 60_000;

export type GuardId =
  | "request-id"
  | "own-device"
  | "own-key"
  | "paired"
  | "paired-key"
  | "loopback"
  | "client"
  | "role"
  | "role-upgrade"
  | "metadata-upgrade"
  | "scope-upgrade"
  | "allow-list"
  | "expiry";

export interface Refusal {
  guard: GuardId;
  reason: string;
}

export interface GuardContext {
  nowMs: number;
  identity: LocalIdentity | null;
  /** The gateway's record for the local device, if any. */
  paired: PairedDevice | undefined;
  allowScopes: readonly string[];
  expiryMarginMs: number;
}

const IPV4_LOOPBACK =
  /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** Loopback literals only: 127.0.0.0/8, ::1 and its long and IPv4-mapped forms. Names never count. */
export function isLoopbackAddress(ip: string): boolean {
  const s = ip.trim().toLowerCase();
  if (IPV4_LOOPBACK.test(s)) return true;
  if (s === "::1" || s === "0:0:0:0:0:0:0:1") return true;
  const mapped = /^::ffff:(.+)$/.exec(s);
  return mapped?.[1] !== undefined && IPV4_LOOPBACK.test(mapped[1]);
}

function metaNorm(v: string | undefined): string {
  return (v ?? "").trim().toLowerCase();
}

type Guard = (req: PendingRequest, ctx: GuardContext) => string | null;

/** The invariants of DESIGN §5 for approving one request, in the order a reader would check them. */
const GUARDS: ReadonlyArray<[GuardId, Guard]> = [
  [
    "request-id",
    (r) => (SAFE_REQUEST_ID.test(r.requestId) ? null : "its request id is not a plain identifier"),
  ],
  [
    "own-device",
    (r, c) =>
      !c.identity
        ? "this machine has no device identity to compare it with"
        : r.deviceId === c.identity.deviceId
          ? null
          : `it is for device ${shortId(r.deviceId)}, not this machine's device ${shortId(c.identity.deviceId)}`,
  ],
  [
    "own-key",
    (r, c) =>
      !c.identity || r.deviceId !== c.identity.deviceId || r.publicKey === c.identity.publicKey
        ? null
        : "it claims this machine's device id with a different public key (a replaced or stolen key)",
  ],
  [
    "paired",
    (_r, c) =>
      c.paired ? null : "the device is not paired yet: a first-time pairing is never approved automatically",
  ],
  [
    "paired-key",
    (_r, c) =>
      !c.paired || !c.identity || c.paired.publicKey === c.identity.publicKey
        ? null
        : "the gateway's record for this device has a different public key than this machine's identity",
  ],
  [
    "loopback",
    (r) =>
      r.remoteIp === undefined || r.remoteIp === "" || isLoopbackAddress(r.remoteIp)
        ? null
        : `it comes from ${r.remoteIp}, not from this machine's loopback`,
  ],
  [
    "client",
    (r) => {
      const id = (r.clientId ?? "").trim();
      const mode = (r.clientMode ?? "").trim();
      if (!id) return "it names no client";
      const kind = REFUSED_CLIENT_KINDS[id];
      if (kind) return `it comes from ${kind} (client ${id})`;
      if (!AUTO_APPROVABLE_CLIENTS.has(id)) return `client ${id} is not a local CLI, TUI or gateway client`;
      if (mode && !AUTO_APPROVABLE_MODES.has(mode))
        return `client mode ${mode} is not approved automatically`;
      return null;
    },
  ],
  [
    "role",
    (r) => {
      const roles = rolesOf(r);
      if (roles.length === 0) return "it names no role";
      const other = roles.filter((x) => x !== "operator");
      return other.length === 0
        ? null
        : `it asks for the ${other.join(", ")} role (only operator is approved)`;
    },
  ],
  [
    "role-upgrade",
    (r, c) => {
      if (!c.paired) return null;
      const have = rolesOf(c.paired);
      const extra = rolesOf(r).filter((x) => !have.includes(x));
      return extra.length === 0 ? null : `it is a role upgrade (adds ${extra.join(", ")})`;
    },
  ],
  [
    "metadata-upgrade",
    (r, c) => {
      if (!c.paired) return null;
      const diffs: string[] = [];
      if (metaNorm(r.platform) !== metaNorm(c.paired.platform))
        diffs.push(`platform ${c.paired.platform ?? "(none)"} -> ${r.platform ?? "(none)"}`);
      if (metaNorm(r.deviceFamily) !== metaNorm(c.paired.deviceFamily))
        diffs.push(`device family ${c.paired.deviceFamily ?? "(none)"} -> ${r.deviceFamily ?? "(none)"}`);
      return diffs.length === 0 ? null : `it is a metadata upgrade (${diffs.join(", ")})`;
    },
  ],
  [
    "scope-upgrade",
    (r, c) => {
      if (normalizeScopes(r.scopes).length === 0) return "it asks for no scopes";
      if (!c.paired) return null;
      return missingScopes(approvedBaseline(c.paired), r.scopes).length > 0
        ? null
        : "it asks for nothing beyond the approved scopes (a re-approval whose reason is unknown)";
    },
  ],
  [
    "allow-list",
    (r, c) => {
      const outside = normalizeScopes(r.scopes).filter((s) => !c.allowScopes.includes(s));
      return outside.length === 0
        ? null
        : `it asks for ${formatScopes(outside)}, outside remediation.allowScopes (${formatScopes(normalizeScopes(c.allowScopes))}); the whole request is refused`;
    },
  ],
  [
    "expiry",
    (r, c) => {
      const stamp = r.refreshedAtMs ?? r.ts;
      if (stamp > c.nowMs + MAX_FUTURE_SKEW_MS) return "its timestamp lies in the future";
      const left = pendingExpiresInMs(r, c.nowMs);
      if (left <= 0) return "it has expired (OpenClaw drops pending requests after 5 minutes)";
      return left <= c.expiryMarginMs
        ? `it expires in ${Math.round(left / 1000)}s, inside the ${Math.round(c.expiryMarginMs / 1000)}s safety margin`
        : null;
    },
  ],
];

/** Every guard a request fails; an empty list means it may be approved. */
export function checkRequest(req: PendingRequest, ctx: GuardContext): Refusal[] {
  const out: Refusal[] = [];
  for (const [guard, check] of GUARDS) {
    const reason = check(req, ctx);
    if (reason !== null) out.push({ guard, reason });
  }
  return out;
}
