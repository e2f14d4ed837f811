// The /metrics endpoint on 127.0.0.1: its output passes `promtool check metrics` (Debian package: prometheus),
// including awkward label values; it refuses non-loopback binds and DNS-rebinding Host headers; stop is idempotent.
// A deliberately broken exposition proves the promtool check can fail.

import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { describe, expect, it, onTestFinished } from "vitest";
import { silentLogger } from "../../src/common/log.js";
import type { Finding } from "../../src/common/types.js";
import {
  CONTENT_TYPE,
  createMetrics,
  createMetricsServer,
  type WatchdogMetrics,
} from "../../src/daemon/metrics.js";
import { createMetricsRegistry } from "../../src/daemon/metrics-registry.js";
import type { Evaluation } from "../../src/policy/evaluation.js";
import { describeNeeding } from "../helpers/os-packages.js";

function promtoolCheckMetrics(text: string): { code: number | null; output: string } {
  const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  return { code: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

function get(
  port: number,
  path: string,
  host?: string,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: host ? { host } : {} }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function busyMetrics(): WatchdogMetrics {
  const m = createMetrics({ version: "0.1.0", startedAtMs: Date.now() - 60_000 });
  const findings: Finding[] = [
    { code: "scope-regression", severity: "critical", message: "m", deviceId: "d" },
    { code: "pairing-required-close", severity: "warning", message: "m", deviceId: "d" },
  ];
  const e: Evaluation = {
    trigger: "log:pairing-required-close+reconcile",
    triggeredAtMs: Date.now() - 120,
    atMs: Date.now(),
    inspection: null,
    findings,
    events: [],
    stateChanged: true,
  };
  m.observeEvaluation(e);
  m.countRemediation("succeeded");
  m.countRemediation("failed");
  m.countNotification("desktop", "failed");
  m.countNotification("ntfy", "sent");
  m.setConnectionState("open");
  m.setLogStats({ skipped: { notJson: 4, invalidUtf8: 1, tooLong: 0 } });
  m.setMode("watching");
  return m;
}

async function serve(m: WatchdogMetrics, collect?: () => void) {
  const server = createMetricsServer({
    listen: { host: "127.0.0.1", port: 0 },
    metrics: m,
    logger: silentLogger,
    ...(collect ? { collect } : {}),
  });
  onTestFinished(() => server.stop());
  const address = await server.start();
  return { server, port: address.port };
}

describeNeeding(["promtool"], "metrics endpoint: promtool check metrics", () => {
  it("serves the text format on 127.0.0.1, with process metrics, that promtool accepts", async () => {
    let scrapes = 0;
    const { port } = await serve(busyMetrics(), () => {
      scrapes++;
    });
    const res = await get(port, "/metrics");
    expect(res.status).toBe(200);
    expect(res.type).toBe(CONTENT_TYPE);
    expect(res.body).toMatch(/^scope_watchdog_findings\{code="scope-regression",severity="critical"\} 1$/m);
    expect(res.body).toMatch(/^scope_watchdog_gateway_connection_state\{state="open"\} 1$/m);
    expect(res.body).toMatch(/^process_cpu_seconds_total \d/m);
    expect(res.body).toMatch(/^process_resident_memory_bytes [1-9]\d{6,}$/m);
    expect(res.body).toMatch(/^nodejs_heap_size_used_bytes [1-9]/m);
    expect(res.body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    // sampled once a second, these would read the interval as delay (metrics-registry.ts)
    expect(res.body).not.toMatch(/^nodejs_eventloop_lag_(min|max|mean|stddev|p\d+)_seconds/m);
    // it parses; the only lint findings are prom-client's own gauges named *_total (prometheus/client_js#283),
    // none in a scope_watchdog_* family (linted alone, with no findings at all, in the next test)
    expect(promtoolCheckMetrics(res.body)).toEqual({
      code: 3,
      output: ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]
        .map((name) => `${name} non-counter metrics should not have "_total" suffix`)
        .join("\n"),
    });
    await get(port, "/metrics");
    expect(scrapes).toBe(2);
  });

  it("stays valid with label values that need escaping (an unknown state string)", async () => {
    const m = busyMetrics();
    m.setConnectionState('odd "state"\\\n');
    m.countNotification("webhook", "suppressed");
    expect(promtoolCheckMetrics(await createMetricsRegistry(m).metrics())).toEqual({ code: 0, output: "" });
  });

  it("the promtool check fails on a broken exposition (control)", async () => {
    const broken = (await createMetricsRegistry(busyMetrics()).metrics()).replaceAll(
      "scope_watchdog_remediation_attempts_total",
      "scope_watchdog_remediation_attempts",
    );
    const r = promtoolCheckMetrics(broken);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('counter metrics should have "_total" suffix');
    const unparsable = promtoolCheckMetrics('scope_watchdog_up{a="b 1\n');
    expect(unparsable.code).not.toBe(0);
  });
});

describe("metrics endpoint", () => {
  it("answers only /metrics, and refuses a Host header that is not loopback (DNS rebinding)", async () => {
    const { port } = await serve(busyMetrics());
    expect((await get(port, "/")).status).toBe(404);
    expect((await get(port, "/metrics", `localhost:${port}`)).status).toBe(200);
    expect((await get(port, "/metrics", "evil.example:9464")).status).toBe(403);
  });

  it("refuses to listen on a non-loopback address", async () => {
    const server = createMetricsServer({
      listen: { host: "0.0.0.0", port: 0 },
      metrics: busyMetrics(),
      logger: silentLogger,
    });
    await expect(server.start()).rejects.toThrow(/loopback/);
    await server.stop();
  });

  it("stop() is idempotent and closes the port", async () => {
    const { server, port } = await serve(busyMetrics());
    const first = server.stop();
    expect(server.stop()).toBe(first);
    await first;
    await expect(get(port, "/metrics")).rejects.toThrow(/ECONNREFUSED/);
  });
});
