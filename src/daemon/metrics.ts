// Prometheus metrics for fleets. The series the alert rules rely on are plain numbers here, updated by the daemon on
// every evaluation without any library; the /metrics endpoint (a loopback address only) loads the Prometheus
// registry and exposition (prom-client, metrics-registry.ts) when it starts, so a daemon without `metrics.listen`
// never loads it.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import { redact } from "../common/redact.js";
import type { Severity } from "../common/types.js";
import { isLoopbackHost, type ListenAddress } from "../config/schema-service.js";
import type { Evaluation } from "../policy/evaluation.js";
import { fingerprint } from "../policy/incidents.js";
import type { DaemonStatus } from "./daemon.js";

type Labels = Readonly<Record<string, string>>;

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
export const METRIC_PREFIX = "scope_watchdog_";
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

interface FamilyDefinition {
  type: "gauge" | "counter";
  help: string;
  labels: readonly string[];
}

/** Every gauge and counter: its name after METRIC_PREFIX, type, HELP text and label names (in label order). */
export const FAMILIES = {
  up: { type: "gauge", help: "1 while the watchdog daemon runs and serves metrics.", labels: [] },
  build_info: {
    type: "gauge",
    help: "The watchdog's version and Node version (always 1).",
    labels: ["version", "node_version"],
  },
  start_time_seconds: { type: "gauge", help: "When the daemon started (unix seconds).", labels: [] },
  watching: {
    type: "gauge",
    help: "1 while the daemon watches the profile's OpenClaw state directory, 0 while it waits for one or is stopped.",
    labels: ["profile"],
  },
  findings: {
    type: "gauge",
    help: "Findings of the profile's latest evaluation, by finding code and severity.",
    labels: ["profile", "code", "severity"],
  },
  incidents_open: {
    type: "gauge",
    help: "Open incidents by profile and severity.",
    labels: ["profile", "severity"],
  },
  remediation_attempts_total: {
    type: "counter",
    help: "Remediation attempts by profile and outcome (succeeded, failed, skipped, dry-run).",
    labels: ["profile", "outcome"],
  },
  notifications_total: {
    type: "counter",
    help: "Notifications by channel and outcome (sent, failed, suppressed).",
    labels: ["channel", "outcome"],
  },
  last_reconcile_timestamp_seconds: {
    type: "gauge",
    help: "When the last full re-read of the profile's pairing state succeeded (unix seconds); 0 before the first.",
    labels: ["profile"],
  },
  gateway_connection_state: {
    type: "gauge",
    help: "The watchdog's own connection to the profile's gateway: 1 for its current state, 0 for the others.",
    labels: ["profile", "state"],
  },
  log_lines_skipped_total: {
    type: "counter",
    help: "Gateway log lines skipped unparsed, by profile and reason.",
    labels: ["profile", "reason"],
  },
} as const satisfies Record<string, FamilyDefinition>;
export type FamilyName = keyof typeof FAMILIES;

/** The one histogram: cumulative counts per bucket (`le`), like the exposition. */
export const DETECTION_LATENCY = {
  name: "detection_latency_seconds",
  help: "From the event that triggered an evaluation (file change, log line, close) to an incident opening or escalating.",
  buckets: LATENCY_BUCKETS,
} as const;

export interface Series {
  readonly labels: Labels;
  readonly value: number;
}

export interface LatencyReading {
  /** Observations at or below each of DETECTION_LATENCY.buckets (cumulative, like `le`). */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** The series of one family in the order they appeared, keyed by their label values. */
class SeriesMap {
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(private readonly labelNames: readonly string[]) {}

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

  values(): Series[] {
    return [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
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
  /** A copy of one family's series, read at scrape time by the Prometheus registry. */
  series(name: FamilyName): Series[];
  /** A copy of the detection-latency histogram. */
  latency(): LatencyReading;
}

/** `notJson` → `not-json`, the log-lines SkipReason spelling. */
function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Creates the metrics with every series the alert rules rely on already present. */
export function createMetrics(opts: {
  version: string;
  startedAtMs: number;
  nodeVersion?: string;
}): WatchdogMetrics {
  const families = Object.fromEntries(
    Object.entries(FAMILIES).map(([name, f]) => [name, new SeriesMap(f.labels)]),
  ) as Record<FamilyName, SeriesMap>;
  const { findings, incidents_open: incidents, remediation_attempts_total: remediation } = families;
  const { notifications_total: notifications, gateway_connection_state: connection } = families;
  const { log_lines_skipped_total: skipped, last_reconcile_timestamp_seconds: reconcile } = families;
  const latency = { counts: DETECTION_LATENCY.buckets.map(() => 0), sum: 0, count: 0 };

  families.up.set({}, 1);
  families.build_info.set(
    { version: opts.version, node_version: opts.nodeVersion ?? process.versions.node },
    1,
  );
  families.start_time_seconds.set({}, opts.startedAtMs / 1000);
  families.watching.set({}, 0);
  reconcile.set({}, 0);
  for (const severity of SEVERITIES) incidents.set({ severity }, 0);
  for (const outcome of REMEDIATION_OUTCOMES) remediation.set({ outcome }, 0);
  for (const state of CONNECTION_STATES) connection.set({ state }, 0);
  for (const reason of LOG_SKIP_REASONS) skipped.set({ reason }, 0);

  const free = (family: SeriesMap, label: string, value: string) => {
    if (!FREE_LABEL.test(value)) return "other";
    const known = family.distinct(label);
    return known.has(value) || known.size < MAX_FREE_VALUES ? value : "other";
  };

  const setIncidents = (bySeverity: Map<Severity, number>) => {
    for (const severity of SEVERITIES) incidents.set({ severity }, bySeverity.get(severity) ?? 0);
  };

  const observeLatency = (seconds: number) => {
    latency.sum += seconds;
    latency.count++;
    DETECTION_LATENCY.buckets.forEach((le, i) => {
      if (seconds <= le) latency.counts[i] = (latency.counts[i] ?? 0) + 1;
    });
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
        observeLatency(Math.max(0, e.atMs - e.triggeredAtMs) / 1000);
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
      families.watching.set({}, mode === "watching" ? 1 : 0);
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
    series(name) {
      return families[name].values();
    },
    latency() {
      return { counts: [...latency.counts], sum: latency.sum, count: latency.count };
    },
  };
  return api;
}

/** The families about one watched OpenClaw state: each series carries its `profile` label. */
const PER_PROFILE: ReadonlySet<FamilyName> = new Set(
  (Object.keys(FAMILIES) as FamilyName[]).filter((f) =>
    (FAMILIES[f].labels as readonly string[]).includes("profile"),
  ),
);

/**
 * What the endpoint reads when the watchdog watches several OpenClaw states: the watchdog-wide series (up, build
 * info, notifications) from `global`, each profile's series from its own metrics with its `profile` label, and
 * the detection latency of all of them together.
 */
export function combineProfiles(
  global: WatchdogMetrics,
  profiles: () => ReadonlyMap<string, WatchdogMetrics>,
): Pick<WatchdogMetrics, "series" | "latency"> {
  return {
    series(name) {
      if (!PER_PROFILE.has(name)) return global.series(name);
      return [...profiles()].flatMap(([profile, m]) =>
        m.series(name).map((s) => ({ labels: { profile, ...s.labels }, value: s.value })),
      );
    },
    latency() {
      const all = [...profiles().values()].map((m) => m.latency());
      return {
        counts: DETECTION_LATENCY.buckets.map((_, i) => all.reduce((n, l) => n + (l.counts[i] ?? 0), 0)),
        sum: all.reduce((n, l) => n + l.sum, 0),
        count: all.reduce((n, l) => n + l.count, 0),
      };
    },
  };
}

export interface MetricsServerOptions {
  /** A loopback address (metrics.listen, parsed); port 0 picks a free port (tests). */
  listen: ListenAddress;
  /** Read at each scrape (the daemon passes its WatchdogMetrics). */
  metrics: Pick<WatchdogMetrics, "series" | "latency">;
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
  const handler = (render: () => Promise<string>) => (req: IncomingMessage, res: ServerResponse) => {
    const reply = (code: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(code, { "content-type": type });
      res.end(body);
    };
    if (!loopbackHostHeader(req.headers.host)) return reply(403, "loopback host names only\n");
    if (req.url !== "/metrics" && !req.url?.startsWith("/metrics?")) return reply(404, "see /metrics\n");
    if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "GET only\n");
    const scrape = async () => {
      opts.collect?.();
      return render();
    };
    scrape().then(
      (text) => reply(200, text, CONTENT_TYPE),
      (err: unknown) => {
        opts.logger.error({ err: errorMessage(err) }, "cannot render metrics");
        reply(500, "cannot render metrics; see the daemon's log\n");
      },
    );
  };
  return {
    async start() {
      const { host, port } = opts.listen;
      if (!isLoopbackHost(host))
        throw new Error(`metrics.listen must be a loopback address (127.0.0.1 or ::1), got ${host}`);
      if (stopping) throw new Error("the metrics server was stopped");
      // loaded here, not at the top: a daemon without metrics.listen never loads prom-client
      const { createMetricsRegistry } = await import("./metrics-registry.js");
      if (stopping) throw new Error("the metrics server was stopped");
      const registry = createMetricsRegistry(opts.metrics, { processMetrics: true });
      const srv = createServer(handler(async () => redact(await registry.metrics())));
      srv.requestTimeout = 5_000;
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen({ host, port, exclusive: true }, () => {
          srv.off("error", reject);
          resolve();
        });
      });
      server = srv;
      srv.on("error", (err) => opts.logger.warn({ err: errorMessage(err) }, "metrics endpoint error"));
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
