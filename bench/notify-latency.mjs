#!/usr/bin/env node
// Benchmark: time from an evaluation carrying a new finding to its notification arriving at a local webhook
// (127.0.0.1), through the built notifier (policy, silences read, render, dispatch, HTTP POST).
// Usage: npm run build && node bench/notify-latency.mjs [runs=50]
// Two settings side by side: the default group wait (500 ms, what users get: the wait is the design) and a
// group wait of 0 ms (the notifier's own overhead).
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { median, percentile, ROOT } from "./lib.mjs";

const { createNotifier } = await import(path.join(ROOT, "dist/actions/notify/notifier.js"));
const { defaultNotifyConfig } = await import(path.join(ROOT, "dist/config/schema-notify.js"));

const runs = Number(process.argv[2] ?? 50);

const arrivals = new Map();
const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const at = performance.now();
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    arrivals.get(body.incident.deviceId)?.(at);
    res.writeHead(204).end();
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/hook`;
const dataDir = await mkdtemp(path.join(os.tmpdir(), "sw-bench-notify-"));
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

function finding(deviceId) {
  return {
    code: "scope-regression",
    severity: "critical",
    message:
      "The gateway's approved scopes for this machine's device narrowed from operator.admin to operator.approvals.",
    impact: "Subagent spawns (sessions_spawn) and cron isolated sessions fail with 1008 pairing required.",
    deviceId,
    scopes: ["operator.admin"],
  };
}

async function scenario(name, groupWait) {
  const config = defaultNotifyConfig({ groupWait, desktop: { enabled: false }, webhook: { url } });
  const ms = [];
  for (let i = 0; i < runs + 3; i++) {
    const deviceId = `${name}-${i}`.padEnd(64, "0");
    const notifier = createNotifier({ config, logger: silent, dataDir });
    const arrived = new Promise((resolve) => arrivals.set(deviceId, resolve));
    const t0 = performance.now();
    await notifier.onEvaluation({ findings: [finding(deviceId)], inspection: null });
    const at = await arrived;
    await notifier.stop();
    arrivals.delete(deviceId);
    if (i >= 3) ms.push(at - t0); // the first runs warm up fetch's connection pool and the JIT
  }
  return {
    name,
    groupWait,
    runs: ms.length,
    medianMs: +median(ms).toFixed(2),
    p90Ms: +percentile(ms, 90).toFixed(2),
    minMs: +Math.min(...ms).toFixed(2),
    maxMs: +Math.max(...ms).toFixed(2),
  };
}

const results = [await scenario("default-group-wait", "500ms"), await scenario("no-group-wait", "0ms")];
server.close();
server.closeAllConnections();
await rm(dataDir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      benchmark: "notify-latency",
      what: "evaluation with a new critical finding -> webhook request received on 127.0.0.1",
      node: process.version,
      cpu: os.cpus()[0]?.model ?? "?",
      cpus: os.cpus().length,
      results,
    },
    null,
    2,
  ),
);
