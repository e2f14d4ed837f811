// OpenClaw release numbers (2026.4.20, 2026.4.1-beta.1) and what changes with them: pure.

import { OPERATOR_ADMIN, OPERATOR_APPROVALS, OPERATOR_READ, OPERATOR_WRITE } from "../common/scopes.js";
import type { PairingStore } from "../common/types.js";

export interface OpenClawVersion {
  raw: string;
  year: number;
  month: number;
  patch: number;
  prerelease: string | null;
}

const VERSION_RE = /^v?(\d{4})\.(\d{1,2})\.(\d{1,3})(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseOpenClawVersion(raw: string): OpenClawVersion | null {
  const m = VERSION_RE.exec(raw.trim());
  if (!m) return null;
  return {
    raw: raw.trim().replace(/^v/, ""),
    year: Number(m[1]),
    month: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ?? null,
  };
}

/** Negative when a < b. A prerelease sorts before its release. */
export function compareVersions(a: OpenClawVersion, b: OpenClawVersion): number {
  const d = a.year - b.year || a.month - b.month || a.patch - b.patch;
  if (d !== 0) return d;
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === null) return 1;
  if (b.prerelease === null) return -1;
  return a.prerelease < b.prerelease ? -1 : 1;
}

function v(raw: string): OpenClawVersion {
  const parsed = parseOpenClawVersion(raw);
  if (!parsed) throw new Error(`bad built-in version ${raw}`);
  return parsed;
}

/** 2026.4.25: backend callGateway stops presenting the shared device identity (openclaw#63548). */
export const BACKEND_DEVICELESS_SINCE = v("2026.4.25");
/** 2026.4.27: CLI commands ask only for the scopes each method needs (openclaw#68634). */
export const CLI_LEAST_PRIVILEGE_SINCE = v("2026.4.27");
/**
 * 2026.4.25 to 2026.7.34: `openclaw devices approve <id>` run on the narrowed device's machine fails with "unknown
 * requestId": the CLI connects as that same device, is refused, and the refusal replaces the pending request with
 * a new id before the approval runs (seen on real 4.29, 5.28 and 6.35 gateways; 4.24 reuses the id and works).
 */
export const CLI_APPROVE_CHURNS_SINCE = v("2026.4.25");
/**
 * 2026.7.35: the CLI connects without a device identity on loopback with the shared token, so approving from it
 * works again, and a narrowed device breaks only the TUI (seen on real 7.35 and 8.2 gateways).
 */
export const CLI_DEVICELESS_SINCE = v("2026.7.35");
/**
 * 2026.9: the gateway wants the approver to hold the device's whole baseline, and the CLI asks only for the
 * requested scopes, so `devices approve` fails with "missing scope: …" (seen on 9.6; 8.2 approves).
 */
export const APPROVER_NEEDS_BASELINE_SINCE = v("2026.9.0");
/** 2026.8.0: the pairing store, identity and device-auth tokens live in state/openclaw.sqlite. */
export const SQLITE_STORE_SINCE = v("2026.8.0");

export function isBefore(version: OpenClawVersion, bound: OpenClawVersion): boolean {
  return compareVersions(version, bound) < 0;
}

/** Whether this OpenClaw's `openclaw devices approve` fails for the narrowed device's own request (request churn). */
export function cliApproveChurns(version: OpenClawVersion | null): boolean {
  return (
    version !== null &&
    !isBefore(version, CLI_APPROVE_CHURNS_SINCE) &&
    isBefore(version, CLI_DEVICELESS_SINCE)
  );
}

export function storeForVersion(version: OpenClawVersion): PairingStore {
  return isBefore(version, SQLITE_STORE_SINCE) ? "files" : "sqlite";
}

/**
 * Scopes the local device's approved baseline must satisfy for OpenClaw's own local callers.
 * Before 2026.4.25 sessions_spawn and cron call sessions.patch/sessions.delete, pinned to operator.admin, on
 * the shared device (reference §7.3). From 2026.4.25 those calls are device-less; the native exec-approval
 * handler (operator.approvals) and the CLI/TUI (read, write) still present the identity.
 */
export function requiredScopesForVersion(version: OpenClawVersion | null): string[] {
  if (version && isBefore(version, BACKEND_DEVICELESS_SINCE)) return [OPERATOR_ADMIN];
  return [OPERATOR_APPROVALS, OPERATOR_READ, OPERATOR_WRITE];
}
