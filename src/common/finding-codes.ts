// The finding-code catalogue: one entry per stable code (DESIGN §2: add codes, never rename). Adding a code is
// one entry here plus the detector that raises it; notifications, silences, incidents and healing read it here.

import type { Severity } from "./types.js";

/** What else, besides the code and the device, tells one incident of this code from another. */
export type IncidentKey =
  /** One incident per device (a pending upgrade keeps its incident while request ids churn). */
  | "device"
  /** One per device and file (each unreadable file is its own problem). */
  | "device+file"
  /** One for the code (every other device's request together: a flood stays one incident). */
  | "code";

export interface FindingCodeInfo {
  /** The notification title and the status headline. */
  headline: string;
  /** The usual severity; detection may raise or lower it for a version or a situation. */
  severity: Severity;
  /** Whether an incident of this code starts a remediation pass in the daemon (under an opt-in policy). */
  remediable: boolean;
  incidentKey: IncidentKey;
  /**
   * Its impact text names the calls that break (subagents, cron, CLI): notifications prefer it for "Affected",
   * the lower the number the sooner.
   */
  impactPriority?: number;
}

export const FINDING_CATALOGUE = {
  "scope-upgrade-pending": {
    headline: "OpenClaw scope upgrade awaits approval",
    severity: "warning",
    remediable: true,
    incidentKey: "device",
  },
  "baseline-missing-scope": {
    headline: "OpenClaw device lacks required scopes",
    severity: "critical",
    remediable: true,
    incidentKey: "device",
    impactPriority: 2,
  },
  "scope-regression": {
    headline: "OpenClaw device lost scopes",
    severity: "critical",
    remediable: true,
    incidentKey: "device",
    impactPriority: 1,
  },
  "token-scope-drift": {
    headline: "OpenClaw device token narrower than approved",
    severity: "info",
    remediable: false,
    incidentKey: "device",
  },
  "device-not-paired": {
    headline: "OpenClaw device is not paired",
    severity: "info",
    remediable: false,
    incidentKey: "device",
  },
  "device-identity-changed": {
    headline: "OpenClaw device identity changed",
    severity: "critical",
    remediable: false,
    incidentKey: "device",
  },
  "pairing-required-close": {
    headline: "OpenClaw refused a connection: pairing required",
    severity: "warning",
    remediable: true,
    incidentKey: "device",
  },
  "device-token-mismatch": {
    headline: "OpenClaw rejected a device token",
    severity: "warning",
    remediable: false,
    incidentKey: "device",
  },
  "gateway-auth-failure": {
    headline: "OpenClaw gateway refused authentication",
    severity: "warning",
    remediable: false,
    incidentKey: "device",
  },
  "legacy-device-auth-present": {
    headline: "OpenClaw legacy device-auth file is back",
    severity: "critical",
    remediable: false,
    incidentKey: "device",
  },
  "gateway-unreachable": {
    headline: "OpenClaw gateway unreachable",
    severity: "warning",
    remediable: false,
    incidentKey: "device",
  },
  "gateway-listener-untrusted": {
    headline: "Another user's program listens on the OpenClaw gateway's port",
    severity: "critical",
    remediable: false,
    incidentKey: "code",
  },
  "state-unreadable": {
    headline: "Cannot read OpenClaw's pairing state",
    severity: "warning",
    remediable: false,
    incidentKey: "device+file",
  },
  "pairing-request-other-device": {
    headline: "Another device asks to pair with OpenClaw",
    severity: "info",
    remediable: false,
    incidentKey: "code",
  },
  "state-path-unsafe": {
    headline: "OpenClaw's state folder is not private",
    severity: "warning",
    remediable: false,
    incidentKey: "device+file",
  },
  "remediation-halted": {
    headline: "Automatic healing stopped: an approval did not match",
    severity: "critical",
    remediable: false,
    incidentKey: "code",
  },
  "openclaw-version-unknown": {
    headline: "OpenClaw version unknown",
    severity: "info",
    remediable: false,
    incidentKey: "device",
  },
  "openclaw-schema-unknown": {
    headline: "OpenClaw state database schema is newer than the watchdog knows",
    severity: "warning",
    remediable: false,
    incidentKey: "code",
  },
  "openclaw-version-mismatch": {
    headline: "OpenClaw gateway runs another version than is installed",
    severity: "warning",
    remediable: false,
    incidentKey: "code",
  },
  "pairing-migration-incomplete": {
    headline: "OpenClaw pairings were left out of its SQLite store",
    severity: "critical",
    remediable: false,
    incidentKey: "code",
  },
  "legacy-identity-conflict": {
    headline: "OpenClaw legacy device identity differs from the SQLite one",
    severity: "warning",
    remediable: false,
    incidentKey: "code",
  },
} as const satisfies Record<string, FindingCodeInfo>;

/** Stable finding codes (DESIGN §2): add new ones, never rename. */
export type FindingCode = keyof typeof FINDING_CATALOGUE;

/** Every finding code, in catalogue order. */
export const FINDING_CODES = Object.keys(FINDING_CATALOGUE) as readonly FindingCode[];

/** Whether `code` is a finding code the watchdog can raise. */
export function isFindingCode(code: string): code is FindingCode {
  return Object.hasOwn(FINDING_CATALOGUE, code);
}

export function codeInfo(code: FindingCode): FindingCodeInfo {
  return FINDING_CATALOGUE[code];
}
