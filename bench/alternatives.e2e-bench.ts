// Benchmark on a real OpenClaw 2026.4.20 gateway, side by side in one run: the watchdog daemon against the
// alternative users have, polling `openclaw devices list --json` (what the support answer and OpenClaw's docs
// tell them to run). Detection latency: regression -> finding. Idle cost: CPU seconds per hour.
// Usage: npm run bench:gateway (runs every bench/*.e2e-bench.ts)
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import {
  approveRequest,
  listDevices,
  pairLocalDeviceViaCli,
  startWatchdogDaemon,
  useGateway,
} from "../test/e2e/harness/index.js";
import { median, regress } from "./gateway-bench.js";

const VERSION = "2026.4.20";
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 120);
const POLL_INTERVAL_S = 60;

/** utime + stime of a process in seconds (Linux: 100 ticks per second). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

it(`watchdog vs polling \`openclaw devices list --json\` (${RUNS} runs)`, async () => {
  const gateway = await useGateway({ version: VERSION });
  const { identity } = await pairLocalDeviceViaCli(gateway);

  // the alternative: one poll, measured with GNU time (wall, user+sys CPU, peak RSS), healthy device
  const polls: { wallS: number; cpuS: number; rssMiB: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(
      "/usr/bin/time",
      ["-f", "%e %U %S %M", gateway.nodeBin, gateway.openclawEntry, "devices", "list", "--json"],
      { env: gateway.env(), cwd: gateway.dir, encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    const [wall, user, sys, rss] = (r.stderr.trim().split("\n").pop() ?? "").split(" ").map(Number);
    polls.push({ wallS: wall ?? 0, cpuS: (user ?? 0) + (sys ?? 0), rssMiB: (rss ?? 0) / 1024 });
  }

  // the watchdog: idle cost over IDLE_S seconds next to the same healthy gateway
  const daemon = await startWatchdogDaemon(gateway, { log: { level: "info", format: "json" } });
  await daemon.waitFor((r) => r.msg === "watching OpenClaw");
  await new Promise((r) => setTimeout(r, 3_000));
  const cpu0 = cpuSeconds(daemon.pid);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, IDLE_S * 1_000));
  const idleCpuPerHour = ((cpuSeconds(daemon.pid) - cpu0) / (Date.now() - t0)) * 3_600_000;
  const rssMiB =
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${daemon.pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

  // the watchdog: detection latency, regression (the refused subagent call) -> scope-upgrade-pending finding
  const latencies: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const seen = daemon.records.length;
    const at = await regress(gateway, identity);
    const found = await daemon.waitFor(
      (r) => daemon.records.indexOf(r) >= seen && r.code === "scope-upgrade-pending",
    );
    latencies.push(Date.parse(found.time) - at);
    const { list } = await listDevices(gateway);
    await approveRequest(
      gateway,
      list.pending.find((p) => p.deviceId === identity.deviceId)?.requestId ?? "",
    );
    await daemon.waitFor(
      (r) => daemon.records.indexOf(r) >= seen && r.msg === "resolved: scope-upgrade-pending",
      60_000,
    );
  }
  expect(await daemon.stop()).toBe(0);

  const poll = {
    medianWallS: median(polls.map((p) => p.wallS)),
    medianCpuS: median(polls.map((p) => p.cpuS)),
    medianRssMiB: median(polls.map((p) => p.rssMiB)),
  };
  const result = {
    bench: "watchdog vs polling `openclaw devices list --json` (real OpenClaw 2026.4.20 gateway, one run)",
    runs: RUNS,
    detectionLatency: {
      watchdogMedianMs: median(latencies),
      watchdogSamplesMs: latencies,
      pollingEvery60sExpectedMs: Math.round((POLL_INTERVAL_S / 2 + poll.medianWallS) * 1000),
      note: "polling: half the interval on average, plus one `devices list` run; on 2026.4.x each poll of a narrowed device also creates or churns a pending request",
    },
    idleCost: {
      watchdogCpuSecondsPerHour: +idleCpuPerHour.toFixed(3),
      watchdogRssMiB: +rssMiB.toFixed(1),
      watchdogIdleWindowS: IDLE_S,
      pollingEvery60sCpuSecondsPerHour: +(poll.medianCpuS * (3600 / POLL_INTERVAL_S)).toFixed(1),
      onePoll: poll,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(
    path.join(import.meta.dirname, "out-alternatives.json"),
    `${JSON.stringify(result, null, 2)}\n`,
  );
});
