#!/usr/bin/env node
// Benchmark: latency from a pairing-file write, and from a gateway log line, to the finding in the running
// daemon (p50/p99).
// Usage: node bench/daemon-latency.mjs [iterations=200]   (after `npm run build`)
// The daemon runs in this process (the real Daemon with real chokidar watchers); each iteration replaces
// devices/paired.json the way OpenClaw does (temp file + rename), alternating a narrowed and a healthy
// pairing, and measures write -> evaluation carrying (or no longer carrying) baseline-missing-scope. Then it
// appends real `closed before connect … code=1008` lines (test/fixtures/logs, re-stamped, a new request id each)
// to the gateway log and measures append -> evaluation whose pairing-required-close names that request.
import { randomUUID } from "node:crypto";
import { appendFile, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { machine, median, percentile, ROOT, tempDir, typicalState } from "./lib.mjs";

const dist = (p) => import(path.join(ROOT, "dist", p));
const { Daemon } = await dist("daemon/daemon.js");
const { createDefaultDeps } = await dist("daemon/deps.js");
const { validateConfig } = await dist("config/validate.js");
const { silentLogger } = await dist("common/log.js");

const iterations = Number(process.argv[2] ?? 200);
const root = await tempDir();
const t = await typicalState(root, "2026.4.20", { healthy: true });
const pairedFile = path.join(t.stateDir, "devices", "paired.json");
// the local device flips between its healthy record and the seed's approvals-only one
const healthy = JSON.parse(await readFile(pairedFile, "utf8"));
const narrowed = structuredClone(healthy);
narrowed[t.me.deviceId].scopes = ["operator.approvals"];
narrowed[t.me.deviceId].approvedScopes = ["operator.approvals"];

const cfg = validateConfig(JSON.parse(await readFile(t.config, "utf8")));
const env = { HOME: t.home, XDG_STATE_HOME: path.join(root, "state"), PATH: process.env.PATH };
let waiter = null;
let logWaiter = null;
const deps = {
  ...createDefaultDeps({
    config: { config: cfg.config, file: t.config, source: "--config" },
    configFlag: t.config,
    env,
    home: t.home,
    logger: silentLogger,
    dataDir: path.join(root, "state", "sw"),
  }),
  onEvaluated: (e) => {
    if (
      logWaiter &&
      e.findings.some((f) => f.code === "pairing-required-close" && f.requestId === logWaiter.requestId)
    ) {
      const w = logWaiter;
      logWaiter = null;
      w.resolve(performance.now());
    }
    const has = e.findings.some((f) => f.code === "baseline-missing-scope");
    if (waiter && has === waiter.want) {
      const w = waiter;
      waiter = null;
      w.resolve(performance.now());
    }
  },
};
const daemon = new Daemon({ config: cfg.config, file: t.config, source: "--config" }, deps);
await daemon.start();

async function writeAtomic(file, value) {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, file);
}

const samples = [];
for (let i = 0; i < iterations; i++) {
  const want = i % 2 === 0; // narrowed -> finding appears; healthy -> it goes
  const seen = new Promise((resolve) => {
    waiter = { want, resolve };
  });
  const start = performance.now();
  await writeAtomic(pairedFile, want ? narrowed : healthy);
  const end = await Promise.race([seen, new Promise((r) => setTimeout(() => r(null), 5_000))]);
  if (end === null) throw new Error(`iteration ${i}: no evaluation within 5 s`);
  samples.push(end - start);
  await new Promise((r) => setTimeout(r, 20)); // let the watcher settle between writes
}
// phase 2: gateway log line -> finding
const config = JSON.parse(await readFile(t.config, "utf8"));
const template = (
  await readFile(path.join(ROOT, "test", "fixtures", "logs", "openclaw-2026.4.20.jsonl"), "utf8")
)
  .split("\n")
  .find((l) => l.includes("closed before connect") && l.includes("reason=pairing required"));
if (!template) throw new Error("no 1008 line in the fixtures");
const templateId = /"requestId":"([^"]+)"/.exec(template)?.[1] ?? "";
const templateDevice = /"deviceId":"([^"]+)"/.exec(template)?.[1] ?? "";
const logSamples = [];
for (let i = 0; i < iterations; i++) {
  const requestId = randomUUID();
  const iso = new Date().toISOString();
  const line = template
    .split(templateId)
    .join(requestId)
    .split(templateId.slice(0, 33))
    .join(requestId.slice(0, 33))
    .split(templateDevice)
    .join(t.me.deviceId)
    .replace(/"time":"[^"]*"/, `"time":"${iso.replace("Z", "+00:00")}"`)
    .replace(/"date":"[^"]*"/, `"date":"${iso}"`);
  const seen = new Promise((resolve) => {
    logWaiter = { requestId, resolve };
  });
  const start = performance.now();
  await appendFile(config.openclaw.logFile, `${line}\n`);
  const end = await Promise.race([seen, new Promise((r) => setTimeout(() => r(null), 5_000))]);
  if (end === null) throw new Error(`log iteration ${i}: no finding within 5 s`);
  logSamples.push(end - start);
  await new Promise((r) => setTimeout(r, 20));
}
await daemon.stop();
await rm(root, { recursive: true, force: true });
const stats = (xs) => ({
  p50Ms: +median(xs).toFixed(1),
  p90Ms: +percentile(xs, 90).toFixed(1),
  p99Ms: +percentile(xs, 99).toFixed(1),
  maxMs: +Math.max(...xs).toFixed(1),
});
console.log(
  JSON.stringify(
    {
      bench: "daemon detection latency (real Daemon, chokidar, log tail; in-process)",
      iterations,
      machine: machine(),
      fileWriteToFinding: { ...stats(samples), note: "inotify + 75 ms debounce + re-read" },
      logLineToFinding: stats(logSamples),
    },
    null,
    2,
  ),
);
