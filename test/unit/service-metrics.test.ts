// The metrics registry and the config sections, pure: what each daemon call does to the exposition text, label
// escaping and cardinality bounds, and `metrics.listen` refusing anything but loopback.

import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/common/types.js";
import { parseListen } from "../../src/config/schema-service.js";
import { validateConfig } from "../../src/config/validate.js";
import { createMetrics, type StatusForMetrics, type WatchdogMetrics } from "../../src/daemon/metrics.js";
import { createMetricsRegistry } from "../../src/daemon/metrics-registry.js";
import type { Evaluation } from "../../src/policy/evaluation.js";
import type { Incident, IncidentEvent } from "../../src/policy/incidents.js";
import type { LogTailStats } from "../../src/sources/log/tail.js";

const T0 = 1_800_000_000_000;

/** The exposition text through the prom-client registry the endpoint serves. */
const render = (m: WatchdogMetrics) => createMetricsRegistry(m).metrics();

/** The value of one series in the exposition text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const regression: Finding = { code: "scope-regression", severity: "critical", message: "m", deviceId: "d" };
const pending: Finding = { code: "scope-upgrade-pending", severity: "warning", message: "m", deviceId: "d" };
const other1: Finding = {
  code: "pairing-request-other-device",
  severity: "info",
  message: "m",
  requestId: "r1",
};
const other2: Finding = {
  code: "pairing-request-other-device",
  severity: "info",
  message: "m",
  requestId: "r2",
};

function evaluation(findings: Finding[], over: Partial<Evaluation> = {}): Evaluation {
  return {
    trigger: "files:x",
    triggeredAtMs: T0,
    atMs: T0,
    inspection: null,
    findings,
    events: [],
    stateChanged: true,
    ...over,
  };
}

function opened(f: Finding): IncidentEvent {
  const incident: Incident = {
    fingerprint: f.code,
    code: f.code,
    severity: f.severity,
    openedAtMs: T0,
    lastSeenAtMs: T0,
    finding: f,
  };
  return { type: "opened", incident };
}

describe("createMetrics", () => {
  it("starts with up, build info and every series the alert rules use", async () => {
    const text = await render(createMetrics({ version: "0.1.0", startedAtMs: T0, nodeVersion: "20.20.2" }));
    expect(sample(text, "scope_watchdog_up")).toBe(1);
    expect(sample(text, 'scope_watchdog_build_info{version="0.1.0",node_version="20.20.2"}')).toBe(1);
    expect(sample(text, "scope_watchdog_start_time_seconds")).toBe(T0 / 1000);
    expect(sample(text, "scope_watchdog_watching")).toBe(0);
    expect(sample(text, 'scope_watchdog_incidents_open{severity="critical"}')).toBe(0);
    expect(sample(text, 'scope_watchdog_remediation_attempts_total{outcome="failed"}')).toBe(0);
    expect(sample(text, 'scope_watchdog_gateway_connection_state{state="open"}')).toBe(0);
    expect(sample(text, 'scope_watchdog_log_lines_skipped_total{reason="not-json"}')).toBe(0);
    expect(sample(text, "scope_watchdog_last_reconcile_timestamp_seconds")).toBe(0);
    expect(text).toContain("# TYPE scope_watchdog_detection_latency_seconds histogram");
    expect(sample(text, 'scope_watchdog_detection_latency_seconds_bucket{le="+Inf"}')).toBe(0);
    expect(text.endsWith("\n")).toBe(true);
  });

  it("counts findings and open incidents from an evaluation, and zeroes codes that went away", async () => {
    const m = createMetrics({ version: "0.1.0", startedAtMs: T0 });
    m.observeEvaluation(evaluation([regression, pending, other1, other2]));
    let text = await render(m);
    expect(sample(text, 'scope_watchdog_findings{code="scope-regression",severity="critical"}')).toBe(1);
    expect(sample(text, 'scope_watchdog_findings{code="pairing-request-other-device",severity="info"}')).toBe(
      2,
    );
    // two findings of other devices' requests are one incident (catalogue incident key "code")
    expect(sample(text, 'scope_watchdog_incidents_open{severity="info"}')).toBe(1);
    expect(sample(text, 'scope_watchdog_incidents_open{severity="warning"}')).toBe(1);

    m.observeEvaluation(evaluation([pending]));
    text = await render(m);
    expect(sample(text, 'scope_watchdog_findings{code="scope-regression",severity="critical"}')).toBe(0);
    expect(sample(text, 'scope_watchdog_incidents_open{severity="critical"}')).toBe(0);
  });

  it("observes detection latency only when an incident opened or escalated", async () => {
    const m = createMetrics({ version: "0.1.0", startedAtMs: T0 });
    m.observeEvaluation(evaluation([regression], { triggeredAtMs: T0, atMs: T0 + 40 }));
    expect(sample(await render(m), "scope_watchdog_detection_latency_seconds_count")).toBe(0);
    m.observeEvaluation(
      evaluation([regression], { triggeredAtMs: T0, atMs: T0 + 40, events: [opened(regression)] }),
    );
    const text = await render(m);
    expect(sample(text, "scope_watchdog_detection_latency_seconds_count")).toBe(1);
    expect(sample(text, "scope_watchdog_detection_latency_seconds_sum")).toBe(0.04);
    expect(sample(text, 'scope_watchdog_detection_latency_seconds_bucket{le="0.025"}')).toBe(0);
    expect(sample(text, 'scope_watchdog_detection_latency_seconds_bucket{le="0.05"}')).toBe(1);
    expect(sample(text, 'scope_watchdog_detection_latency_seconds_bucket{le="10"}')).toBe(1);
  });

  it("records the reconcile time from reconcile and start evaluations (also merged triggers), not file events", async () => {
    const m = createMetrics({ version: "0.1.0", startedAtMs: T0 });
    m.observeEvaluation(evaluation([], { trigger: "files:x", atMs: T0 + 1_000 }));
    expect(sample(await render(m), "scope_watchdog_last_reconcile_timestamp_seconds")).toBe(0);
    m.observeEvaluation(evaluation([], { trigger: "files:x+reconcile", atMs: T0 + 2_000 }));
    expect(sample(await render(m), "scope_watchdog_last_reconcile_timestamp_seconds")).toBe(
      (T0 + 2_000) / 1000,
    );
  });

  it("counts remediation and notification outcomes; bounds and escapes free label values", async () => {
    const m = createMetrics({ version: "0.1.0", startedAtMs: T0 });
    m.countRemediation("failed");
    m.countRemediation("failed");
    m.countNotification("desktop", "failed");
    m.countNotification("ntfy", "sent");
    m.countNotification('we"ird\nchannel', "sent");
    for (let i = 0; i < 20; i++) m.countNotification(`ch${i}`, "sent");
    const text = await render(m);
    expect(sample(text, 'scope_watchdog_remediation_attempts_total{outcome="failed"}')).toBe(2);
    expect(sample(text, 'scope_watchdog_notifications_total{channel="desktop",outcome="failed"}')).toBe(1);
    expect(sample(text, 'scope_watchdog_notifications_total{channel="desktop",outcome="sent"}')).toBe(0);
    expect(
      sample(text, 'scope_watchdog_notifications_total{channel="other",outcome="sent"}'),
    ).toBeGreaterThan(1);
    const channels = new Set([...text.matchAll(/notifications_total\{channel="([^"]*)"/g)].map((x) => x[1]));
    expect(channels.size).toBeLessThanOrEqual(17);
    expect(text).not.toContain('we"ird');
  });

  it("follows the daemon's status: mode, connection state, incidents, log counters", async () => {
    const m = createMetrics({ version: "0.1.0", startedAtMs: T0 });
    const s: StatusForMetrics = {
      mode: "watching",
      incidents: {},
      connectionState: "backoff",
      logStats: null,
    };
    const skipped = { notJson: 3, invalidUtf8: 0, tooLong: 1 };
    m.observeStatus({ ...s, logStats: { ...logStats(), skipped } });
    let text = await render(m);
    expect(sample(text, "scope_watchdog_watching")).toBe(1);
    expect(sample(text, 'scope_watchdog_gateway_connection_state{state="backoff"}')).toBe(1);
    expect(sample(text, 'scope_watchdog_gateway_connection_state{state="open"}')).toBe(0);
    expect(sample(text, 'scope_watchdog_log_lines_skipped_total{reason="not-json"}')).toBe(3);
    expect(sample(text, 'scope_watchdog_log_lines_skipped_total{reason="too-long"}')).toBe(1);

    m.observeStatus({ ...s, connectionState: "paused" });
    text = await render(m);
    expect(sample(text, 'scope_watchdog_gateway_connection_state{state="paused"}')).toBe(1);
    expect(sample(text, 'scope_watchdog_gateway_connection_state{state="backoff"}')).toBe(0);

    // no connection at all zeroes every state
    m.observeStatus({ ...s, mode: "waiting", connectionState: null });
    text = await render(m);
    expect(sample(text, "scope_watchdog_watching")).toBe(0);
    expect(text).not.toMatch(/^scope_watchdog_gateway_connection_state\{[^}]*\} 1$/m);
  });
});

function logStats(): LogTailStats {
  return {
    linesRead: 0,
    bytesRead: 0,
    observations: 0,
    stale: 0,
    duplicates: 0,
    skipped: { notJson: 0, invalidUtf8: 0, tooLong: 0 },
    file: null,
    offset: null,
    files: 0,
    waiting: false,
  };
}

describe("metrics.listen and status.socket", () => {
  it.each([
    ["127.0.0.1:9464", { host: "127.0.0.1", port: 9464 }],
    ["127.8.9.10:1", { host: "127.8.9.10", port: 1 }],
    ["[::1]:9464", { host: "::1", port: 9464 }],
    ["localhost:9464", { host: "127.0.0.1", port: 9464 }],
  ])("accepts %s", (text, address) => {
    expect(parseListen(text)).toEqual({ ok: true, address });
  });

  it.each([
    ["0.0.0.0:9464", /loopback only/],
    ["192.168.1.5:9464", /loopback only/],
    ["[::]:9464", /loopback only/],
    ["example.com:9464", /loopback only/],
    ["127.0.0.1", /HOST:PORT/],
    ["127.0.0.1:0", /port from 1/],
    ["127.0.0.1:70000", /port from 1/],
  ])("refuses %s", (text, message) => {
    const r = parseListen(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it("defaults both sections to null and validates them as part of the config", () => {
    const ok = validateConfig({});
    expect(ok.ok && { status: ok.config.status, metrics: ok.config.metrics }).toEqual({
      status: { socket: null },
      metrics: { listen: null },
    });
    const set = validateConfig({ metrics: { listen: "127.0.0.1:9464" }, status: { socket: "~/s.sock" } });
    expect(set.ok && { status: set.config.status, metrics: set.config.metrics }).toEqual({
      status: { socket: "~/s.sock" },
      metrics: { listen: "127.0.0.1:9464" },
    });
    const issue = (raw: unknown) => {
      const v = validateConfig(raw);
      return v.ok ? "" : `${v.issues[0]?.field}: ${v.issues[0]?.message}`;
    };
    expect(issue({ metrics: { listen: "0.0.0.0:9464" } })).toMatch(/^metrics.listen: .*loopback only/);
    expect(issue({ status: { socket: "relative.sock" } })).toMatch(/^status.socket: .*absolute path/);
    expect(issue({ status: { sockett: "/x" } })).toMatch(/sockett/);
  });
});
