#!/usr/bin/env node
// Benchmark: latency from a pairing-file write to the finding in the running daemon (p50/p99).
// Usage: node bench/daemon-latency.mjs [iterations=200]   (after `npm run build`)
// The daemon runs in this process (the real Daemon with real chokidar watchers); each iteration replaces
// devices/paired.json the way OpenClaw does (temp file + rename), alternating a narrowed and a healthy
// pairing, and measures write -> evaluation carrying (or no longer carrying) baseline-missing-scope.
import { randomUUID } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { machine, median, percentile, ROOT, tempDir, typicalState } from "./lib.mjs";

const dist = (p) => import(path.join(ROOT, "dist", p));
const { Daemon } = await dist("daemon/daemon.js");
const { createDefaultDeps } = await dist("daemon/deps.js");
const { validateConfig } = await dist("config/load.js");
const { silentLogger } = await dist("log.js");

const iterations = Number(process.argv[2] ?? 200);
const root = await tempDir();
const t = await typicalState(root);
const pairedFile = path.join(t.stateDir, "devices", "paired.json");
// start from a healthy local device (no pending request)
const all = JSON.parse(await readFile(pairedFile, "utf8"));
const full = [
  "operator.admin",
  "operator.approvals",
  "operator.pairing",
  "operator.read",
  "operator.talk.secrets",
  "operator.write",
];
const healthy = structuredClone(all);
healthy[t.me.deviceId].scopes = full;
healthy[t.me.deviceId].approvedScopes = full;
const narrowed = structuredClone(all);
await writeFile(path.join(t.stateDir, "devices", "pending.json"), "{}");
await writeFile(pairedFile, JSON.stringify(healthy));

const cfg = validateConfig(JSON.parse(await readFile(t.config, "utf8")));
const env = { HOME: t.home, XDG_STATE_HOME: path.join(root, "state"), PATH: process.env.PATH };
let waiter = null;
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
await daemon.stop();
await rm(root, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      bench: "file write -> finding (daemon, inotify + 75 ms debounce)",
      iterations,
      machine: machine(),
      p50Ms: +median(samples).toFixed(1),
      p90Ms: +percentile(samples, 90).toFixed(1),
      p99Ms: +percentile(samples, 99).toFixed(1),
      maxMs: +Math.max(...samples).toFixed(1),
    },
    null,
    2,
  ),
);
