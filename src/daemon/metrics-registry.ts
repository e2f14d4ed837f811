// The Prometheus registry and text exposition, from prom-client: one collector per family reads the daemon's plain
// series (metrics.ts) at scrape time, and prom-client's default metrics add the process's CPU, memory, file
// descriptors and Node.js runtime. Only the metrics endpoint imports this module, when it starts.

import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from "prom-client";
import {
  DETECTION_LATENCY,
  FAMILIES,
  type FamilyName,
  METRIC_PREFIX,
  type WatchdogMetrics,
} from "./metrics.js";

/**
 * How often prom-client's event-loop delay monitor wakes the daemon. Its default, 10 ms, costs an idle daemon about
 * 28 CPU-seconds an hour instead of about 1.3 (bench/RESULTS.md); but the monitor's readings include its interval,
 * so at 1 s its min/max/mean/percentile gauges would read a second of delay that is not there. They are left out;
 * nodejs_eventloop_lag_seconds, measured at each scrape, stays.
 */
const EVENT_LOOP_SAMPLE_MS = 1_000;
const EVENT_LOOP_INTERVAL_GAUGES = ["min", "max", "mean", "stddev", "p50", "p90", "p99"].map(
  (stat) => `nodejs_eventloop_lag_${stat}_seconds`,
);

/**
 * The detection-latency histogram as prom-client's registry reads any metric (`get()`, as its own cluster
 * aggregation registers them): the daemon keeps exact cumulative bucket counts, and prom-client's Histogram can
 * only be fed observation by observation.
 */
function latencyHistogram(metrics: Pick<WatchdogMetrics, "latency">): Metric {
  const name = `${METRIC_PREFIX}${DETECTION_LATENCY.name}`;
  const head = { name, help: DETECTION_LATENCY.help, type: "histogram", aggregator: "sum" } as const;
  const get = async () => {
    const { counts, sum, count } = metrics.latency();
    const bucket = (le: string, value: number) => ({ metricName: `${name}_bucket`, labels: { le }, value });
    const values = [
      ...DETECTION_LATENCY.buckets.map((le, i) => bucket(String(le), counts[i] ?? 0)),
      bucket("+Inf", count),
      { metricName: `${name}_sum`, labels: {}, value: sum },
      { metricName: `${name}_count`, labels: {}, value: count },
    ];
    return { ...head, values };
  };
  return { ...head, get } as unknown as Metric;
}

/**
 * A registry with every scope_watchdog_* family (the names, types, labels and HELP texts in FAMILIES) and, with
 * `processMetrics`, prom-client's default process_* and nodejs_* metrics (their monitors run for the rest of the
 * process: create such a registry once).
 */
export function createMetricsRegistry(
  metrics: Pick<WatchdogMetrics, "series" | "latency">,
  opts: { processMetrics?: boolean } = {},
): Registry {
  const registry = new Registry();
  for (const family of Object.keys(FAMILIES) as FamilyName[]) {
    const { type, help, labels } = FAMILIES[family];
    const config = { name: `${METRIC_PREFIX}${family}`, help, labelNames: labels, registers: [registry] };
    if (type === "counter") {
      new Counter({
        ...config,
        collect() {
          this.reset();
          for (const s of metrics.series(family)) this.inc(s.labels, s.value);
        },
      });
    } else {
      new Gauge({
        ...config,
        collect() {
          this.reset();
          for (const s of metrics.series(family)) this.set(s.labels, s.value);
        },
      });
    }
  }
  registry.registerMetric(latencyHistogram(metrics));
  if (opts.processMetrics) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    for (const name of EVENT_LOOP_INTERVAL_GAUGES) registry.removeSingleMetric(name);
  }
  return registry;
}
