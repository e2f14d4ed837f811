// The status report and its human view, pure: built from a DaemonStatus, sorted, JSON-safe, honest about sources
// and exit codes; the table respects NO_COLOR; socket locations follow the documented order.

import { describe, expect, it } from "vitest";
import { formatStatus, reportHasProblems } from "../../src/cli/status.js";
import { createStyle } from "../../src/cli/style.js";
import type { Finding } from "../../src/common/types.js";
import type { DaemonStatus } from "../../src/daemon/daemon.js";
import { buildStatusReport, createStatusTracker, type ReportExtras } from "../../src/daemon/status-report.js";
import { statusSocketCandidates } from "../../src/daemon/status-server.js";
import type { Evaluation } from "../../src/policy/evaluation.js";
import type { Incident } from "../../src/policy/incidents.js";

const T0 = Date.parse("2026-11-27T10:00:00Z");

function incident(f: Finding, openedAtMs: number): Incident {
  return {
    fingerprint: `${f.code}|`,
    code: f.code,
    severity: f.severity,
    openedAtMs,
    lastSeenAtMs: T0 + 60_000,
    finding: f,
  };
}

const regression: Finding = {
  code: "scope-regression",
  severity: "critical",
  message: "The gateway's approved scopes narrowed.",
  deviceId: "dev1",
  scopes: ["operator.admin"],
  fix: { command: "openclaw devices list", explanation: "shows the request" },
};
const drift: Finding = { code: "token-scope-drift", severity: "warning", message: "Token scopes differ." };
const legacy: Finding = { code: "legacy-device-auth-present", severity: "info", message: "Legacy file." };

function status(over: Partial<DaemonStatus> = {}): DaemonStatus {
  return {
    startedAtMs: T0,
    mode: "watching",
    waitingFor: null,
    openclaw: { version: "2026.4.20", stateDir: "/home/u/.openclaw", store: "files" },
    lastEvaluation: { atMs: T0 + 50_000, trigger: "files:devices/paired.json", durationMs: 4 },
    lastReconcileAtMs: T0 + 30_000,
    stateChangedAtMs: T0 + 50_000,
    incidents: {},
    recentObservations: [],
    connectionState: null,
    logStats: null,
    sources: { files: { healthy: true, detail: "watching /home/u/.openclaw" } },
    ...over,
  };
}

const extras: ReportExtras = {
  nowMs: T0 + 90_000,
  version: "0.1.0",
  pid: 7,
  device: {
    deviceId: "dev1abcdef0123456789",
    paired: true,
    approvedScopes: ["operator.approvals"],
    tokenScopes: ["operator.approvals"],
    requiredScopes: ["operator.admin"],
  },
  recentEvents: [],
  lastActions: null,
};

describe("buildStatusReport", () => {
  it("sorts open incidents most severe first, counts them, and is plain JSON", () => {
    const r = buildStatusReport(
      status({
        incidents: {
          a: incident(legacy, T0),
          b: incident(drift, T0 + 1_000),
          c: incident(regression, T0 + 2_000),
        },
      }),
      extras,
    );
    expect(r.incidents.map((i) => i.code)).toEqual([
      "scope-regression",
      "token-scope-drift",
      "legacy-device-auth-present",
    ]);
    expect(r.incidents[0]).toEqual({
      code: "scope-regression",
      severity: "critical",
      message: regression.message,
      openedAt: "2026-11-27T10:00:02.000Z",
      lastSeenAt: "2026-11-27T10:01:00.000Z",
      deviceId: "dev1",
      scopes: ["operator.admin"],
      fix: { command: "openclaw devices list", explanation: "shows the request" },
    });
    expect(r.summary).toEqual({ ok: false, worst: "critical", critical: 1, warning: 1, info: 1 });
    expect(r.watchdog).toMatchObject({ uptimeMs: 90_000, startedAt: "2026-11-27T10:00:00.000Z", pid: 7 });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(r).not.toHaveProperty("lastActions");
  });

  it("is ok with only info incidents; exit status follows warning-or-worse", () => {
    const r = buildStatusReport(status({ incidents: { a: incident(legacy, T0) } }), extras);
    expect(r.summary.ok).toBe(true);
    expect(reportHasProblems(r)).toBe(false);
    const w = buildStatusReport(status({ incidents: { b: incident(drift, T0) } }), extras);
    expect(reportHasProblems(w)).toBe(true);
  });

  it("marks the schedule stuck after 15 minutes without a reconcile, and files unhealthy while waiting", () => {
    const ok = buildStatusReport(status(), extras);
    expect(ok.sources.schedule).toEqual({ healthy: true, detail: "last reconcile 60s ago" });
    const stuck = buildStatusReport(status({ lastReconcileAtMs: T0 }), {
      ...extras,
      nowMs: T0 + 16 * 60_000,
    });
    expect(stuck.sources.schedule?.healthy).toBe(false);
    expect(stuck.sources.schedule?.detail).toContain("the schedule looks stuck");
    const waiting = buildStatusReport(
      status({ mode: "waiting", waitingFor: "OpenClaw's state directory /x" }),
      extras,
    );
    expect(waiting.sources.files).toEqual({
      healthy: false,
      detail: "waiting for OpenClaw's state directory /x",
    });
  });

  it("keeps observations without their raw text (which may quote a log line)", () => {
    const r = buildStatusReport(
      status({
        recentObservations: [
          {
            kind: "pairing-required-close",
            source: "log",
            atMs: T0,
            code: 1008,
            reason: "scope-upgrade",
            requestId: "req1",
            text: "closed before connect token=abc",
          },
        ],
      }),
      extras,
    );
    expect(r.recentObservations).toEqual([
      {
        at: "2026-11-27T10:00:00.000Z",
        kind: "pairing-required-close",
        source: "log",
        code: 1008,
        reason: "scope-upgrade",
        requestId: "req1",
      },
    ]);
  });
});

describe("createStatusTracker", () => {
  it("remembers the device and the incident events of evaluations, and the last actions, bounded", () => {
    let now = T0;
    const tracker = createStatusTracker({
      now: () => now,
      version: "0.1.0",
      pid: 1,
      maxEvents: 2,
      maxActions: 1,
    });
    const inc = incident(regression, T0);
    const e = {
      trigger: "files:x",
      triggeredAtMs: T0,
      atMs: T0 + 5,
      inspection: {
        device: { deviceId: "dev1", paired: true, approvedScopes: ["operator.approvals"], tokenScopes: [] },
        requiredScopes: ["operator.admin"],
      },
      findings: [regression],
      events: [
        { type: "opened", incident: inc },
        {
          type: "opened",
          incident: { ...inc, code: "token-scope-drift", finding: drift, severity: "warning" },
        },
        { type: "resolved", incident: inc, atMs: T0 + 9 },
      ],
      stateChanged: true,
    } as unknown as Evaluation;
    tracker.observeEvaluation(e);
    tracker.recordAction({
      atMs: T0,
      kind: "remediation",
      action: "approve",
      outcome: "failed",
      requestId: "r1",
    });
    tracker.recordAction({
      atMs: T0 + 1,
      kind: "remediation",
      action: "approve",
      outcome: "succeeded",
      requestId: "r2",
    });
    now = T0 + 10;
    const r = tracker.report(status());
    expect(r.device).toEqual({
      deviceId: "dev1",
      paired: true,
      approvedScopes: ["operator.approvals"],
      tokenScopes: [],
      requiredScopes: ["operator.admin"],
    });
    expect(r.recentEvents.map((x) => [x.type, x.code, x.at])).toEqual([
      ["opened", "token-scope-drift", "2026-11-27T10:00:00.005Z"],
      ["resolved", "scope-regression", "2026-11-27T10:00:00.009Z"],
    ]);
    expect(r.lastActions).toEqual([
      {
        at: "2026-11-27T10:00:00.001Z",
        kind: "remediation",
        action: "approve",
        outcome: "succeeded",
        requestId: "r2",
      },
    ]);
  });
});

describe("formatStatus", () => {
  const r = buildStatusReport(
    status({ incidents: { c: incident(regression, T0), b: incident(drift, T0) } }),
    {
      ...extras,
      lastActions: [
        {
          at: "2026-11-27T10:01:00.000Z",
          kind: "notification",
          action: "notify",
          channel: "ntfy",
          outcome: "sent",
        },
      ],
    },
  );

  it("shows the watchdog, OpenClaw, the device, sources, incidents with fixes, actions and a verdict", () => {
    const text = formatStatus(r, createStyle(false, 100));
    expect(text).toContain("scope-watchdog 0.1.0  watching  up 1m 30s · pid 7");
    expect(text).toContain("OpenClaw 2026.4.20  state /home/u/.openclaw (files)");
    expect(text).toContain("Device dev1abcdef01…  approved: operator.approvals");
    expect(text).toMatch(/^ {2}files +ok +watching \/home\/u\/\.openclaw$/m);
    expect(text).toMatch(/^ {2}schedule +ok +last reconcile 60s ago$/m);
    expect(text).toContain("CRITICAL  scope-regression  since 1m 30s ago");
    expect(text).toContain("Fix: openclaw devices list");
    expect(text).toContain("notification notify  sent  ntfy");
    expect(text).toContain("Not healthy: 1 critical, 1 warning, 0 info.");
    expect(text).not.toContain("\x1b[");
  });

  it("colours only when the style asks for it", () => {
    expect(formatStatus(r, createStyle(true, 100))).toContain("\x1b[31m");
  });

  it("says healthy when nothing is open", () => {
    expect(formatStatus(buildStatusReport(status(), extras), createStyle(false, 100))).toMatch(
      /Open incidents \(0\)\n {2}none[\s\S]*Healthy\. 0 critical, 0 warning, 0 info$/,
    );
  });
});

describe("statusSocketCandidates", () => {
  it("uses the configured socket only (with ~), else the runtime dir then the data dir", () => {
    expect(statusSocketCandidates("~/sw/s.sock", {}, "/d", "/home/u")).toEqual(["/home/u/sw/s.sock"]);
    expect(statusSocketCandidates(null, { XDG_RUNTIME_DIR: "/run/user/1000" }, "/d", "/home/u")).toEqual([
      "/run/user/1000/openclaw-scope-watchdog/status.sock",
      "/d/status.sock",
    ]);
    expect(statusSocketCandidates(null, { XDG_RUNTIME_DIR: "relative" }, "/d", "/home/u")).toEqual([
      "/d/status.sock",
    ]);
  });
});
