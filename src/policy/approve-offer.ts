// Approve from the notification (issue 13): which request a notification offers an Approve button for, what
// exactly the click then grants, how a request that changed since is told apart, and the texts of the
// notification that reports a click's result. Pure: the one "safe to approve" verdict (detect/guards.ts
// approvalVerdict) decides every offer; the click's run re-checks every guard with the offered scopes as the
// allow-list (src/actions/remediate/user-approve.ts).

import { pendingExpiresInMs, rolesOf, shortId } from "../common/pairing.js";
import { formatScopes, normalizeScopes } from "../common/scopes.js";
import type { Finding, PairingSnapshot, PairingStore, PendingRequest } from "../common/types.js";
import { approvalVerdict } from "../detect/guards.js";
import { cliApproveChurns, type OpenClawVersion } from "../detect/version.js";
import type { NotificationKind } from "./notify.js";

/** The buttons an offer carries: their keys (what libnotify prints, what the handler gets) and labels. */
export const OFFER_ACTIONS = [
  { key: "approve", label: "Approve" },
  { key: "details", label: "Details" },
] as const;
export type OfferAction = (typeof OFFER_ACTIONS)[number]["key"];

/** One request a notification offers to approve, exactly as it was when the notification was shown. */
export interface ApproveOffer {
  requestId: string;
  deviceId: string;
  publicKey: string;
  roles: string[];
  /** What the click grants: exactly these scopes (the allow-list of its approve). */
  scopes: string[];
  /** The OpenClaw state it belongs to, and its profile when it is one. */
  stateDir: string;
  profile?: string;
  /** When OpenClaw drops the request (the notification expires with it). */
  expiresAtMs: number;
}

/** What an offer needs to know about the state it is made in. */
export interface OfferInput {
  snapshot: PairingSnapshot;
  nowMs: number;
  store: PairingStore;
  /** Whether an `openclaw` executable exists to approve with. */
  haveCli: boolean;
  /** The running OpenClaw's release: where its CLI cannot approve the device's own request, no button. */
  version?: OpenClawVersion | null;
  stateDir: string;
  profile?: string | undefined;
}

/** Notification kinds that describe an open problem (a recovery or a rate-limit summary offers nothing). */
const OFFERING_KINDS: ReadonlySet<string> = new Set(["new", "escalated", "repeat", "updated", "flapping"]);

/** The offer for one request id, or null when approvalVerdict refuses it (or the click could not run). */
export function offerFor(requestId: string, input: OfferInput): ApproveOffer | null {
  // the click heals through the files store's heal (2026.8+ keeps pairing in SQLite: no button there), and on
  // 2026.4.25 to 7.34 the CLI's own refused connect replaces the request it would approve (unknown requestId):
  // the notification names the Control UI there instead
  if (input.store !== "files" || !input.haveCli || cliApproveChurns(input.version ?? null)) return null;
  const v = approvalVerdict(requestId, input.snapshot, input.nowMs);
  if (!v.safe) return null;
  const r = v.request;
  return {
    requestId: r.requestId,
    deviceId: r.deviceId,
    publicKey: r.publicKey,
    roles: rolesOf(r),
    scopes: normalizeScopes(r.scopes),
    stateDir: input.stateDir,
    ...(input.profile ? { profile: input.profile } : {}),
    expiresAtMs: input.nowMs + pendingExpiresInMs(r, input.nowMs),
  };
}

/**
 * The Approve offer of a notification: the first request its findings name (most severe first: the one that
 * covers what the device lacks before a narrower one) that approvalVerdict accepts, in the state it is about.
 */
export function approveOffer(
  n: { kind: NotificationKind; members: readonly { finding: Finding }[] },
  input: OfferInput,
): ApproveOffer | null {
  if (!OFFERING_KINDS.has(n.kind)) return null;
  const identity = input.snapshot.identity;
  if (!identity) return null;
  const ids = n.members
    .map((m) => m.finding)
    .filter((f) => f.requestId && f.deviceId === identity.deviceId)
    .filter((f) => f.stateDir === undefined || f.stateDir === input.stateDir)
    .map((f) => f.requestId as string);
  for (const id of new Set(ids)) {
    const offer = offerFor(id, input);
    if (offer) return offer;
  }
  return null;
}

/** The newest of the device's pending requests that may be offered, for the notification after a change. */
export function nextOffer(deviceId: string, input: OfferInput): ApproveOffer | null {
  const mine = input.snapshot.pending.filter((r) => r.deviceId === deviceId).sort((a, b) => b.ts - a.ts);
  for (const r of mine) {
    const offer = offerFor(r.requestId, input);
    if (offer) return offer;
  }
  return null;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/**
 * How the request a click is about differs from what its notification listed; empty when it is the same request
 * (same id, device, key, roles and scopes). The click approves nothing when this is not empty.
 */
export function offerChanges(offer: ApproveOffer, now: PendingRequest | undefined): string[] {
  if (!now)
    return [
      `request ${offer.requestId} is no longer pending (it expired, was handled, or OpenClaw replaced it with a new request when another client of this device connected)`,
    ];
  const out: string[] = [];
  if (now.deviceId !== offer.deviceId)
    out.push(`it is now for device ${shortId(now.deviceId)}, not ${shortId(offer.deviceId)}`);
  if (now.publicKey !== offer.publicKey) out.push("its public key changed");
  const roles = rolesOf(now);
  if (!sameSet(roles, offer.roles))
    out.push(`its roles changed from ${offer.roles.join(", ")} to ${roles.join(", ") || "(none)"}`);
  const scopes = normalizeScopes(now.scopes);
  if (!sameSet(scopes, offer.scopes))
    out.push(`it now asks for ${formatScopes(scopes)} instead of ${formatScopes(offer.scopes)}`);
  return out;
}

/** How a click ended, as the result notification tells it. */
export interface ClickResult {
  offer: ApproveOffer;
  status: string;
  message: string;
  healed: boolean;
  /** The request to offer instead, when the clicked one changed into another that passes the guards. */
  next?: ApproveOffer | null;
}

/** The result notification's text; null when nothing needs saying (a heal: the recovery notification says it). */
export function clickResultText(r: ClickResult): { title: string; body: string } | null {
  if (r.healed) return null;
  const where = r.offer.profile ? ` (profile ${r.offer.profile})` : "";
  const req = `request ${r.offer.requestId}`;
  const lines: string[] = [];
  let title: string;
  if (r.status === "changed") {
    title = `Not approved: ${req.slice(0, 16)} changed${where}`;
    lines.push(`Nothing was approved: ${r.message}.`);
    if (r.next)
      lines.push(
        `Now pending: request ${r.next.requestId} for ${formatScopes(r.next.scopes)} (same device and key). Approve grants exactly these.`,
      );
    else lines.push("Run `openclaw devices list` to see what is pending now.");
  } else if (r.status === "dry-run") {
    title = `Dry run: ${req.slice(0, 16)} not approved${where}`;
    lines.push(`remediation.dryRun is on: ${r.message}.`);
  } else {
    title = `Not approved: ${req.slice(0, 16)}${where}`;
    lines.push(`${r.message.replace(/\.$/, "")}.`);
    lines.push("Run `scope-watchdog check` to see where it stands.");
  }
  return { title, body: lines.join("\n") };
}
