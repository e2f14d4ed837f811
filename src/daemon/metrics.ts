// Prometheus metrics for fleets: a tiny registry (gauges, counters, one histogram) rendered in the text exposition
// format, the daemon-facing methods that fill it, and an optional HTTP endpoint on a loopback address only.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../common/log.js";
import type { Severity } from "../common/types.js";
import { isLoopbackHost, type ListenAddress } from "../config/schema-service.js";
import type { Evaluation } from "../policy/evaluation.js";
import { fingerprint } from "../policy/incidents.js";
import type { DaemonStatus } from "./daemon.js";

type Labels = Readonly<Record<string, string>>;
type MetricType = "gauge" | "counter" | "histogram";

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
/** Detection latency buckets in seconds: from 10 ms (a file event) to 10 s (a slow reconcile). */
export const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
const SEVERITIES: readonly Severity[] = ["critical", "warning", "info"];
/** The gateway connection's states (src/sources/gateway/connection.ts ConnectionState). */
export const CONNECTION_STATES = ["stopped", "connecting", "open", "backoff", "paused"] as const;
export type RemediationOutcome = "succeeded" | "failed" | "skipped" | "dry-run";
export const REMEDIATION_OUTCOMES: readonly RemediationOutcome[] = [
  "succeeded",
  "failed",
  "skipped",
  "dry-run",
];
export type NotificationOutcome = "sent" | "failed" | "suppressed";
export const NOTIFICATION_OUTCOMES: readonly NotificationOutcome[] = ["sent", "failed", "suppressed"];
const LOG_SKIP_REASONS = ["not-json", "invalid-utf8", "too-long"];
const FREE_LABEL = /^[a-z][a-z0-9_.-]{0,31}$/;
const MAX_FREE_VALUES = 16;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function header(name: string, help: string, type: MetricType): string[] {
  return [`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`];
}

/** One gauge or counter family with fixed label names. */
class Family {
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "gauge" | "counter",
    readonly labelNames: readonly string[],
  ) {}

  private key(labels: Labels): string {
    return this.labelNames.map((n) => labels[n] ?? "").join("\u0000");
  }

  set(labels: Labels, value: number): void {
    this.series.set(this.key(labels), { labels, value });
  }

  inc(labels: Labels, by = 1): void {
    const k = this.key(labels);
    const cur = this.series.get(k);
    this.series.set(k, { labels, value: (cur?.value ?? 0) + by });
  }

  /** Sets every known series to 0 (gauges whose label sets come and go). */
  zeroAll(): void {
    for (const s of this.series.values()) s.value = 0;
  }

  distinct(label: string): Set<string> {
    return new Set([...this.series.values()].map((s) => s.labels[label] ?? ""));
  }

  render(): string[] {
    const lines = header(this.name, this.help, this.type);
    for (const s of this.series.values())
      lines.push(`${this.name}${labelText(s.labels)} ${formatValue(s.value)}`);
    return lines;
  }
}

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    this.buckets.forEach((le, i) => {
      if (v <= le) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }

  render(): string[] {
    const lines = header(this.name, this.help, "histogram");
    this.buckets.forEach((le, i) => {
      lines.push(`${this.name}_bucket{le="${formatValue(le)}"} ${this.counts[i] ?? 0}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${formatValue(this.sum)}`, `${this.name}_count ${this.count}`);
    return lines;
  }
}

/** What the metrics read of the daemon's status. */
export type StatusForMetrics = Pick<DaemonStatus, "mode" | "incidents" | "connectionState" | "logStats">;

export interface WatchdogMetrics {
  /** Findings by code and severity, open incidents, detection latency and reconcile time from one evaluation. */
  observeEvaluation(e: Evaluation): void;
  /** Mode, open incidents, connection state and log counters from the daemon's status (call it per scrape). */
  observeStatus(s: StatusForMetrics): void;
  setMode(mode: DaemonStatus["mode"]): void;
  /** The gateway connection's state (1 for it, 0 for the others); null when there is no connection. */
  setConnectionState(state: string | null): void;
  countRemediation(outcome: RemediationOutcome): void;
  countNotification(channel: string, outcome: NotificationOutcome): void;
  /** The log tail's cumulative skipped-line counters (LogTailStats.skipped: notJson, invalidUtf8, tooLong). */
  setLogStats(stats: { skipped: Readonly<Record<string, number>> }): void;
  /** A full re-read of the pairing state finished (called for reconcile and start evaluations automatically). */
  reconcileDone(atMs: number): void;
  /** The text exposition format (version 0.0.4). */
  render(): string;
}

/** `notJson` → `not-json`, the log-lines SkipReason spelling. */
function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Creates the registry with every series the alert rules rely on already present. */
export function createMetrics(opts: {
  version: string;
  startedAtMs: number;
  nodeVersion?: string;
}): WatchdogMetrics {
  const p = "scope_watchdog";
  const up = new Family(`${p}_up`, "1 while the watchdog daemon runs and serves metrics.", "gauge", []);
  const build = new Family(
    `${p}_build_info`,
    "The watchdog's version and Node version (always 1).",
    "gauge",
    ["version", "node_version"],
  );
  const started = new Family(
    `${p}_start_time_seconds`,
    "When the daemon started (unix seconds).",
    "gauge",
    [],
  );
  const watching = new Family(
    `${p}_watching`,
    "1 while the daemon watches an OpenClaw state directory, 0 while it waits for one or is stopped.",
    "gauge",
    [],
  );
  const findings = new Family(
    `${p}_findings`,
    "Findings of the latest evaluation, by finding code and severity.",
    "gauge",
    ["code", "severity"],
  );
  const incidents = new Family(`${p}_incidents_open`, "Open incidents by severity.", "gauge", ["severity"]);
  const remediation = new Family(
    `${p}_remediation_attempts_total`,
    "Remediation attempts by outcome (succeeded, failed, skipped, dry-run).",
    "counter",
    ["outcome"],
  );
  const notifications = new Family(
    `${p}_notifications_total`,
    "Notifications by channel and outcome (sent, failed, suppressed).",
    "counter",
    ["channel", "outcome"],
  );
  const reconcile = new Family(
    `${p}_last_reconcile_timestamp_seconds`,
    "When the last full re-read of OpenClaw's pairing state succeeded (unix seconds); 0 before the first.",
    "gauge",
    [],
  );
  const connection = new Family(
    `${p}_gateway_connection_state`,
    "The watchdog's own gateway connection: 1 for its current state, 0 for the others.",
    "gauge",
    ["state"],
  );
  const skipped = new Family(
    `${p}_log_lines_skipped_total`,
    "Gateway log lines skipped unparsed, by reason.",
    "counter",
    ["reason"],
  );
  const latency = new Histogram(
    `${p}_detection_latency_seconds`,
    "From the event that triggered an evaluation (file change, log line, close) to an incident opening or escalating.",
    LATENCY_BUCKETS,
  );

  up.set({}, 1);
  build.set({ version: opts.version, node_version: opts.nodeVersion ?? process.versions.node }, 1);
  started.set({}, opts.startedAtMs / 1000);
  watching.set({}, 0);
  reconcile.set({}, 0);
  for (const severity of SEVERITIES) incidents.set({ severity }, 0);
  for (const outcome of REMEDIATION_OUTCOMES) remediation.set({ outcome }, 0);
  for (const state of CONNECTION_STATES) connection.set({ state }, 0);
  for (const reason of LOG_SKIP_REASONS) skipped.set({ reason }, 0);

  const free = (family: Family, label: string, value: string) => {
    if (!FREE_LABEL.test(value)) return "other";
    const known = family.distinct(label);
    return known.has(value) || known.size < MAX_FREE_VALUES ? value : "other";
  };

  const setIncidents = (bySeverity: Map<Severity, number>) => {
    for (const severity of SEVERITIES) incidents.set({ severity }, bySeverity.get(severity) ?? 0);
  };

  const api: WatchdogMetrics = {
    observeEvaluation(e) {
      findings.zeroAll();
      const seen = new Set<string>();
      const open = new Map<Severity, number>();
      for (const f of e.findings) {
        findings.inc({ code: f.code, severity: f.severity });
        const fp = fingerprint(f);
        if (seen.has(fp)) continue; // one incident per fingerprint, as updateIncidents counts them
        seen.add(fp);
        open.set(f.severity, (open.get(f.severity) ?? 0) + 1);
      }
      setIncidents(open);
      if (e.events.some((ev) => ev.type === "opened" || ev.type === "escalated"))
        latency.observe(Math.max(0, e.atMs - e.triggeredAtMs) / 1000);
      const triggers = e.trigger.split("+");
      if (triggers.includes("reconcile") || triggers.includes("start")) api.reconcileDone(e.atMs);
    },
    observeStatus(s) {
      api.setMode(s.mode);
      const open = new Map<Severity, number>();
      for (const i of Object.values(s.incidents)) open.set(i.severity, (open.get(i.severity) ?? 0) + 1);
      setIncidents(open);
      api.setConnectionState(s.connectionState);
      if (s.logStats) api.setLogStats(s.logStats);
    },
    setMode(mode) {
      watching.set({}, mode === "watching" ? 1 : 0);
    },
    setConnectionState(state) {
      connection.zeroAll();
      if (state !== null) connection.set({ state: free(connection, "state", state) }, 1);
    },
    countRemediation(outcome) {
      remediation.inc({ outcome });
    },
    countNotification(channel, outcome) {
      const ch = free(notifications, "channel", channel);
      for (const o of NOTIFICATION_OUTCOMES) notifications.inc({ channel: ch, outcome: o }, 0);
      notifications.inc({ channel: ch, outcome });
    },
    setLogStats(stats) {
      for (const [reason, n] of Object.entries(stats.skipped))
        if (Number.isFinite(n) && n >= 0) skipped.set({ reason: free(skipped, "reason", kebab(reason)) }, n);
    },
    reconcileDone(atMs) {
      reconcile.set({}, atMs / 1000);
    },
    render() {
      const families = [up, build, started, watching, findings, incidents, remediation, notifications];
      const lines = [...families, reconcile, connection, skipped].flatMap((f) => f.render());
      lines.push(...latency.render());
      return `${lines.join("\n")}\n`;
    },
  };
  return api;
}

export interface MetricsServerOptions {
  /** A loopback address (metrics.listen, parsed); port 0 picks a free port (tests). */
  listen: ListenAddress;
  metrics: Pick<WatchdogMetrics, "render">;
  /** Runs before each scrape, e.g. `() => metrics.observeStatus(daemon.status())`. */
  collect?: () => void;
  logger: Logger;
}

export interface MetricsServer {
  /** Listens and resolves to the bound address; refuses a non-loopback host. */
  start(): Promise<ListenAddress>;
  /** Idempotent. */
  stop(): Promise<void>;
}

/** Whether a Host header names a loopback host (a DNS-rebinding page sends its own name). */
function loopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : (host.split(":")[0] ?? "");
  return name === "localhost" || isLoopbackHost(name);
}

/** Creates the /metrics endpoint (not started). */
export function createMetricsServer(opts: MetricsServerOptions): MetricsServer {
  let server: Server | null = null;
  let stopping: Promise<void> | null = null;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const reply = (code: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(code, { "content-type": type });
      res.end(body);
    };
    if (!loopbackHostHeader(req.headers.host)) return reply(403, "loopback host names only\n");
    if (req.url !== "/metrics" && !req.url?.startsWith("/metrics?")) return reply(404, "see /metrics\n");
    if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "GET only\n");
    try {
      opts.collect?.();
      reply(200, opts.metrics.render(), CONTENT_TYPE);
    } catch (err) {
      opts.logger.error({ err: String(err) }, "cannot render metrics");
      reply(500, "cannot render metrics; see the daemon's log\n");
    }
  };
  return {
    async start() {
      const { host, port } = opts.listen;
      if (!isLoopbackHost(host))
        throw new Error(`metrics.listen must be a loopback address (127.0.0.1 or ::1), got ${host}`);
      if (stopping) throw new Error("the metrics server was stopped");
      const srv = createServer(handle);
      srv.requestTimeout = 5_000;
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen({ host, port, exclusive: true }, () => {
          srv.off("error", reject);
          resolve();
        });
      });
      server = srv;
      srv.on("error", (err) => opts.logger.warn({ err: String(err) }, "metrics endpoint error"));
      const addr = srv.address() as AddressInfo;
      opts.logger.info(
        { url: `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}/metrics` },
        "metrics endpoint listening",
      );
      return { host, port: addr.port };
    },
    stop() {
      stopping ??= (async () => {
        const srv = server;
        server = null;
        if (!srv) return;
        const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
        srv.closeAllConnections();
        await closed;
      })();
      return stopping;
    },
  };
}
