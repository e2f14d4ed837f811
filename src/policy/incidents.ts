// Incidents: findings tracked over time by fingerprint, so a finding opens, escalates and resolves once. Pure.

import { codeInfo } from "../common/finding-codes.js";
import type { Finding, Severity } from "../common/types.js";

export interface Incident {
  fingerprint: string;
  code: Finding["code"];
  severity: Severity;
  openedAtMs: number;
  lastSeenAtMs: number;
  finding: Finding;
}

export interface IncidentState {
  open: Record<string, Incident>;
}

export type IncidentEvent =
  | { type: "opened"; incident: Incident }
  | { type: "escalated"; incident: Incident; from: Severity }
  | { type: "eased"; incident: Incident; from: Severity }
  | { type: "resolved"; incident: Incident; atMs: number };

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * What identifies "the same problem" across re-reads. Request ids churn whenever a client reconnects, so a
 * pending upgrade is identified by its device, not its id; another device's request is its own incident.
 */
export function fingerprint(f: Finding): string {
  const key = codeInfo(f.code).incidentKey;
  // findings of different OpenClaw states (profiles) are different incidents
  const where = f.stateDir ? `${f.stateDir}#` : "";
  if (key === "code") return `${where}${f.code}`;
  const parts: string[] = [`${where}${f.code}`, f.deviceId ?? ""];
  if (key === "device+file") parts.push(f.file ?? f.message);
  return parts.join("|");
}

export function emptyIncidents(): IncidentState {
  return { open: {} };
}

/**
 * The findings of an evaluation that could not see one device (its identity unreadable: a state folder being
 * deleted or restored): that device's open incidents are carried over as they were, so nothing about it heals or
 * is told healed because it went unseen. They end when a readable state shows them gone.
 */
export function withUnseen(
  state: IncidentState,
  findings: readonly Finding[],
  unseenDeviceId: string | null,
): Finding[] {
  if (unseenDeviceId === null) return [...findings];
  const seen = new Set(findings.map(fingerprint));
  const carried = Object.values(state.open)
    .filter((i) => i.finding.deviceId === unseenDeviceId && !seen.has(i.fingerprint))
    .map((i) => i.finding);
  return [...findings, ...carried];
}

/** Folds the findings of one evaluation into the open incidents. */
export function updateIncidents(
  state: IncidentState,
  findings: readonly Finding[],
  nowMs: number,
): { state: IncidentState; events: IncidentEvent[] } {
  const events: IncidentEvent[] = [];
  const open: Record<string, Incident> = {};
  for (const f of findings) {
    const fp = fingerprint(f);
    if (open[fp]) continue; // the first (most severe, findings are sorted) wins
    const prev = state.open[fp];
    if (!prev) {
      const incident: Incident = {
        fingerprint: fp,
        code: f.code,
        severity: f.severity,
        openedAtMs: nowMs,
        lastSeenAtMs: nowMs,
        finding: f,
      };
      open[fp] = incident;
      events.push({ type: "opened", incident });
      continue;
    }
    const incident: Incident = { ...prev, severity: f.severity, lastSeenAtMs: nowMs, finding: f };
    open[fp] = incident;
    if (RANK[f.severity] > RANK[prev.severity])
      events.push({ type: "escalated", incident, from: prev.severity });
    else if (RANK[f.severity] < RANK[prev.severity])
      events.push({ type: "eased", incident, from: prev.severity });
  }
  for (const [fp, incident] of Object.entries(state.open)) {
    if (!open[fp]) events.push({ type: "resolved", incident, atMs: nowMs });
  }
  return { state: { open }, events };
}
