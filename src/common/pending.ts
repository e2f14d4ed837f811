// OpenClaw's pending-request lifetime (PENDING_TTL_MS, pruneExpiredPending), shared by the readers, detection and
// remediation policy.

import type { PendingRequest } from "./types.js";

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
