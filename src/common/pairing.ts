// What OpenClaw's pairing records mean, shared by the readers, detection, the guards and the remediation policy:
// the pending-request lifetime (PENDING_TTL_MS, pruneExpiredPending), the approved baseline, effective roles.

import { normalizeScopes } from "./scopes.js";
import type { PairedDevice, PairingSnapshot, PendingRequest } from "./types.js";

/** OpenClaw's PENDING_TTL_MS: a pending request expires 5 minutes after it was created or refreshed. */
export const PENDING_TTL_MS = 300_000;

/** How long OpenClaw still honours the request (negative once expired). */
export function pendingExpiresInMs(req: Pick<PendingRequest, "ts" | "refreshedAtMs">, nowMs: number): number {
  return PENDING_TTL_MS - (nowMs - (req.refreshedAtMs ?? req.ts));
}

/** Whether OpenClaw still honours the request (pruneExpiredPending: now - (refreshedAtMs ?? ts) > TTL expires it). */
export function isPendingLive(req: Pick<PendingRequest, "ts" | "refreshedAtMs">, nowMs: number): boolean {
  return pendingExpiresInMs(req, nowMs) >= 0;
}

/** The gateway's authoritative scope baseline for a paired device: approvedScopes ?? scopes. */
export function approvedBaseline(device: PairedDevice): string[] {
  return normalizeScopes(device.approvedScopes ?? device.scopes);
}

/** The gateway's record for this machine's device (the one whose id the local identity derives). */
export function localPaired(snapshot: PairingSnapshot): PairedDevice | undefined {
  const id = snapshot.identity?.deviceId;
  return id ? snapshot.paired.find((d) => d.deviceId === id) : undefined;
}

/** The roles a record names (`roles` and the legacy single `role`), trimmed and de-duplicated. */
export function rolesOf(x: { role?: string; roles: string[] }): string[] {
  return [...new Set([...x.roles, ...(x.role ? [x.role] : [])].map((r) => r.trim()).filter(Boolean))];
}

/** A device id as texts show it: the first 12 hex digits. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}
