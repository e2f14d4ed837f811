// The status report the `status` command shows: its JSON shape (schema 1), how it is built, purely, from the
// daemon's DaemonStatus, and the tracker that remembers what DaemonStatus does not (device, events, actions).

import type { FindingCode, ObservationKind, Severity } from "../common/types.js";
import type { Evaluation } from "../policy/evaluation.js";
import type { IncidentEvent } from "../policy/incidents.js";
import type { DaemonStatus } from "./daemon.js";

export const STATUS_SCHEMA = 1;

export interface StatusIncident {
  /** The profile it is about, when the watchdog watches several. */
  profile?: string;
  code: FindingCode;
  severity: Severity;
  message: string;
  openedAt: string;
  lastSeenAt: string;
  deviceId?: string;
  requestId?: string;
  scopes?: string[];
  fix?: { command: string; explanation: string };
}

export interface StatusEvent {
  at: string;
  type: IncidentEvent["type"];
  code: FindingCode;
  severity: Severity;
  message: string;
  requestId?: string;
}

export interface StatusObservation {
  at: string;
  kind: ObservationKind;
  source: "log" | "connection";
  code?: number;
  reason?: string;
  requestId?: string;
  deviceId?: string;
}

/** A remediation or notification and how it ended (filled from their results by the daemon). */
export interface StatusAction {
  at: string;
  kind: "remediation" | "notification";
  /** approve, request-repair, notify, skip; or the notification channel's message kind. */
  action: string;
  outcome: string;
  requestId?: string;
  channel?: string;
  detail?: string;
}

export interface StatusReport {
  schema: typeof STATUS_SCHEMA;
  generatedAt: string;
  watchdog: {
    version: string;
    pid: number;
    startedAt: string;
    uptimeMs: number;
    mode: DaemonStatus["mode"];
    waitingFor: string | null;
  };
  openclaw: {
    version: string | null;
    stateDir: string | null;
    store: string | null;
    /** Which source told the version (openclaw.bin, PATH, lastTouchedVersion, gateway hello-ok, …). */
    versionSource?: string | null;
  };
  device: {
    deviceId: string;
    paired: boolean;
    approvedScopes: string[];
    tokenScopes: string[];
    requiredScopes: string[];
  } | null;
  /** Open incidents, most severe first. */
  incidents: StatusIncident[];
  /** Incident transitions, newest last. */
  recentEvents: StatusEvent[];
  recentObservations: StatusObservation[];
  lastEvaluation: { at: string; trigger: string; durationMs: number } | null;
  lastReconcileAt: string | null;
  stateChangedAt: string | null;
  /** files, log, connection, schedule: whether each is healthy and what it is doing. */
  sources: Record<string, { healthy: boolean; detail: string }>;
  lastActions?: StatusAction[];
  summary: { ok: boolean; worst: Severity | null; critical: number; warning: number; info: number };
  /**
   * When the watchdog watches several OpenClaw states (profiles): one report each. The top level is then the
   * first one's (the default state's), with its summary and incidents covering all of them.
   */
  instances?: InstanceReport[];
}

/** One watched OpenClaw state's part of the report. */
export type InstanceReport = Omit<StatusReport, "schema" | "generatedAt" | "watchdog" | "instances"> & {
  /** The profile name, "default", or the state directory for a configured one. */
  profile: string;
  mode: DaemonStatus["mode"];
  waitingFor: string | null;
};

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export interface ReportExtras {
  nowMs: number;
  version: string;
  pid: number;
  device: StatusReport["device"];
  recentEvents: StatusEvent[];
  lastActions: StatusAction[] | null;
  /** The schedule counts as unhealthy when no reconcile ran for this long (default 15 minutes). */
  reconcileStaleAfterMs?: number;
}

function scheduleHealth(
  s: DaemonStatus,
  nowMs: number,
  staleAfterMs: number,
): { healthy: boolean; detail: string } {
  if (s.mode === "stopped") return { healthy: false, detail: "stopped" };
  const since = s.lastReconcileAtMs ?? s.startedAtMs;
  const ageS = Math.round((nowMs - since) / 1000);
  const healthy = nowMs - since <= staleAfterMs;
  const detail =
    s.lastReconcileAtMs === null ? `no reconcile yet (started ${ageS}s ago)` : `last reconcile ${ageS}s ago`;
  return { healthy, detail: healthy ? detail : `${detail}; the schedule looks stuck` };
}

/** Pure: a JSON-safe report from the daemon's status and the tracker's memory. */
export function buildStatusReport(s: DaemonStatus, x: ReportExtras): StatusReport {
  const incidents = Object.values(s.incidents)
    .sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.openedAtMs - b.openedAtMs)
    .map(
      (i): StatusIncident => ({
        code: i.code,
        severity: i.severity,
        message: i.finding.message,
        openedAt: iso(i.openedAtMs),
        lastSeenAt: iso(i.lastSeenAtMs),
        ...(i.finding.deviceId ? { deviceId: i.finding.deviceId } : {}),
        ...(i.finding.requestId ? { requestId: i.finding.requestId } : {}),
        ...(i.finding.scopes ? { scopes: i.finding.scopes } : {}),
        ...(i.finding.fix
          ? { fix: { command: i.finding.fix.command, explanation: i.finding.fix.explanation } }
          : {}),
      }),
    );
  const count = (sev: Severity) => incidents.filter((i) => i.severity === sev).length;
  const worst = incidents[0]?.severity ?? null;
  const sources: StatusReport["sources"] = { ...s.sources };
  if (s.mode === "waiting")
    sources.files = { healthy: false, detail: `waiting for ${s.waitingFor ?? "OpenClaw"}` };
  sources.schedule = scheduleHealth(s, x.nowMs, x.reconcileStaleAfterMs ?? 15 * 60_000);
  return {
    schema: STATUS_SCHEMA,
    generatedAt: iso(x.nowMs),
    watchdog: {
      version: x.version,
      pid: x.pid,
      startedAt: iso(s.startedAtMs),
      uptimeMs: Math.max(0, x.nowMs - s.startedAtMs),
      mode: s.mode,
      waitingFor: s.waitingFor,
    },
    openclaw: { ...s.openclaw },
    device: x.device,
    incidents,
    recentEvents: x.recentEvents,
    recentObservations: s.recentObservations.map((o) => ({
      at: iso(o.atMs),
      kind: o.kind,
      source: o.source,
      ...(o.code === undefined ? {} : { code: o.code }),
      ...(o.reason ? { reason: o.reason } : {}),
      ...(o.requestId ? { requestId: o.requestId } : {}),
      ...(o.deviceId ? { deviceId: o.deviceId } : {}),
    })),
    lastEvaluation: s.lastEvaluation
      ? {
          at: iso(s.lastEvaluation.atMs),
          trigger: s.lastEvaluation.trigger,
          durationMs: s.lastEvaluation.durationMs,
        }
      : null,
    lastReconcileAt: isoOrNull(s.lastReconcileAtMs),
    stateChangedAt: isoOrNull(s.stateChangedAtMs),
    sources,
    ...(x.lastActions && x.lastActions.length > 0 ? { lastActions: x.lastActions } : {}),
    summary: {
      ok: count("critical") + count("warning") === 0,
      worst,
      critical: count("critical"),
      warning: count("warning"),
      info: count("info"),
    },
  };
}

export interface StatusTracker {
  /** Remembers the device and the incident transitions of an evaluation (wire it to DaemonDeps.onEvaluated). */
  observeEvaluation(e: Evaluation): void;
  /** Records a remediation or notification outcome for `lastActions`. */
  recordAction(a: Omit<StatusAction, "at"> & { atMs: number }): void;
  report(status: DaemonStatus): StatusReport;
}

/** Keeps what DaemonStatus does not: the local device's scopes, recent incident events, last actions. */
export function createStatusTracker(opts: {
  now: () => number;
  version: string;
  pid?: number;
  maxEvents?: number;
  maxActions?: number;
  reconcileStaleAfterMs?: number;
}): StatusTracker {
  let device: StatusReport["device"] = null;
  const events: StatusEvent[] = [];
  const actions: StatusAction[] = [];
  const keep = <T>(list: T[], max: number) => {
    if (list.length > max) list.splice(0, list.length - max);
  };
  return {
    observeEvaluation(e) {
      const d = e.inspection?.device;
      if (e.inspection) {
        device = d
          ? {
              deviceId: d.deviceId,
              paired: d.paired,
              approvedScopes: [...d.approvedScopes],
              tokenScopes: [...d.tokenScopes],
              requiredScopes: [...e.inspection.requiredScopes],
            }
          : null;
      }
      for (const ev of e.events) {
        const f = ev.incident.finding;
        events.push({
          at: iso(ev.type === "resolved" ? ev.atMs : e.atMs),
          type: ev.type,
          code: f.code,
          severity: ev.incident.severity,
          message: f.message,
          ...(f.requestId ? { requestId: f.requestId } : {}),
        });
      }
      keep(events, opts.maxEvents ?? 50);
    },
    recordAction({ atMs, ...rest }) {
      actions.push({ at: iso(atMs), ...rest });
      keep(actions, opts.maxActions ?? 20);
    },
    report(status) {
      return buildStatusReport(status, {
        nowMs: opts.now(),
        version: opts.version,
        pid: opts.pid ?? process.pid,
        device,
        recentEvents: [...events],
        lastActions: [...actions],
        ...(opts.reconcileStaleAfterMs === undefined
          ? {}
          : { reconcileStaleAfterMs: opts.reconcileStaleAfterMs }),
      });
    },
  };
}

/** One report for several watched states: the first one's at the top, every one's under `instances`. Pure. */
export function combineReports(parts: readonly { name: string; report: StatusReport }[]): StatusReport {
  const [first] = parts;
  if (!first) throw new Error("combineReports needs at least one report");
  if (parts.length === 1) return first.report;
  const instances = parts.map(({ name, report: r }): InstanceReport => {
    const { schema: _s, generatedAt: _g, watchdog, instances: _i, ...rest } = r;
    return { profile: name, mode: watchdog.mode, waitingFor: watchdog.waitingFor, ...rest };
  });
  const incidents = parts
    .flatMap(({ name, report: r }) => r.incidents.map((i) => ({ ...i, profile: name })))
    .sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.openedAt.localeCompare(b.openedAt));
  const count = (sev: Severity) => incidents.filter((i) => i.severity === sev).length;
  return {
    ...first.report,
    incidents,
    summary: {
      ok: count("critical") + count("warning") === 0,
      worst: incidents[0]?.severity ?? null,
      critical: count("critical"),
      warning: count("warning"),
      info: count("info"),
    },
    instances,
  };
}
