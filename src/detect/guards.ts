// The guards of DESIGN §5 for approving one pending request: pure predicates over the pairing data. The one
// place that decides whether a request is safe to approve, for the remediation policy, the interpreter that
// re-checks before it runs, and every fix text a person is shown.

import { approvedBaseline, localPaired, pendingExpiresInMs, rolesOf, shortId } from "../common/pairing.js";
import { formatScopes, missingScopes, normalizeScopes } from "../common/scopes.js";
import type { LocalIdentity, PairedDevice, PairingSnapshot, PendingRequest } from "../common/types.js";

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
  /** The request is in the pairing state now (an id seen only in a log line is not enough). */
  | "present"
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
  /** remediation.allowScopes; "any" when a person decides (the fix texts), not the watchdog. */
  allowScopes: readonly string[] | "any";
  /** How close to its expiry a request may be; 0 for what a person is shown. */
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
    // OpenClaw records no remoteIp for a direct local client (reportedClientIp is suppressed when isLocalClient,
    // reference §4.1); any value, 127.0.0.1 included, means a proxy or a remote path
    "loopback",
    (r) =>
      r.remoteIp === undefined || r.remoteIp.trim() === ""
        ? null
        : `it records the address ${r.remoteIp}: OpenClaw leaves that empty for a client directly on this machine, so it came through a proxy or from another host`,
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
      const allow = c.allowScopes;
      if (allow === "any") return null;
      const outside = normalizeScopes(r.scopes).filter((s) => !allow.includes(s));
      return outside.length === 0
        ? null
        : `it asks for ${formatScopes(outside)}, outside remediation.allowScopes (${formatScopes(normalizeScopes(allow))}); the whole request is refused`;
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

/** Every guard a request fails; an empty list means the watchdog may approve it (the rate bounds aside). */
export function checkRequest(req: PendingRequest, ctx: GuardContext): Refusal[] {
  const out: Refusal[] = [];
  for (const [guard, check] of GUARDS) {
    const reason = check(req, ctx);
    if (reason !== null) out.push({ guard, reason });
  }
  return out;
}

/** What a person may be shown for one request id: `openclaw devices approve <id>`, or why not. */
export type ApprovalVerdict =
  | { safe: true; request: PendingRequest }
  | { safe: false; requestId: string; request: PendingRequest | null; refusals: Refusal[] };

/**
 * DESIGN §5 for what is shown: the one decision behind every approve command in `check`, `status`, `fix`,
 * notifications and their buttons. A request is offered for approval only when it is in the pairing state now
 * (not only named by a log line) and passes every guard the watchdog applies to itself, except the allow-list
 * (and the rate bounds, which are not about the request); an expired request is never offered.
 */
export function approvalVerdict(
  requestId: string,
  snapshot: PairingSnapshot,
  nowMs: number,
): ApprovalVerdict {
  const request = snapshot.pending.find((r) => r.requestId === requestId) ?? null;
  if (!request)
    return {
      safe: false,
      requestId,
      request: null,
      refusals: [
        {
          guard: "present",
          reason:
            "it is not among the pending requests now (it expired, was handled, or was replaced by a newer one)",
        },
      ],
    };
  const refusals = checkRequest(request, {
    nowMs,
    identity: snapshot.identity,
    paired: localPaired(snapshot),
    // the allow-list limits what the watchdog approves by itself, not what a person may
    allowScopes: "any",
    expiryMarginMs: 0,
  });
  return refusals.length === 0 ? { safe: true, request } : { safe: false, requestId, request, refusals };
}
