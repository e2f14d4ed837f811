#!/usr/bin/env node
// Benchmark: idle cost of `scope-watchdog run` — CPU seconds per hour and RSS over an idle period.
// Usage: node bench/daemon-idle.mjs [minutes=10] [extra-config.json]   (after `npm run build`)
// Runs the built CLI as a child process against a typical, healthy 2026.4.x state directory (with the
// default 5-minute reconcile schedule) and samples /proc/<pid>/stat and /proc/<pid>/status every 5 s.
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CLI, machine, median, tempDir, typicalState } from "./lib.mjs";

const minutes = Number(process.argv[2] ?? 10);
const extra = process.argv[3] ? JSON.parse(await readFile(process.argv[3], "utf8")) : {};
const root = await tempDir();
const t = await typicalState(root, "2026.4.20", { healthy: true });
const config = JSON.parse(await readFile(t.config, "utf8"));
await writeFile(t.config, JSON.stringify({ ...config, ...extra, log: { level: "warn", format: "json" } }));

const child = spawn(process.execPath, [CLI, "run", "--config", t.config], {
  env: { PATH: process.env.PATH, HOME: t.home, XDG_STATE_HOME: path.join(root, "state") },
  stdio: ["ignore", "pipe", "inherit"],
});
let output = "";
child.stdout.on("data", (d) => {
  output += d;
});
const ticks = os.constants.signals ? 100 : 100; // USER_HZ on Linux
const cpuSeconds = async () => {
  const f = (await readFile(`/proc/${child.pid}/stat`, "utf8")).split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / ticks; // utime + stime
};
const rssMiB = async () =>
  Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;

await new Promise((r) => setTimeout(r, 5_000)); // start-up is not idle
const cpu0 = await cpuSeconds();
const t0 = Date.now();
const rss = [];
while (Date.now() - t0 < minutes * 60_000) {
  rss.push(await rssMiB());
  await new Promise((r) => setTimeout(r, 5_000));
}
const cpu1 = await cpuSeconds();
const elapsedH = (Date.now() - t0) / 3_600_000;
child.kill("SIGTERM");
await new Promise((r) => child.on("exit", r));
await rm(root, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      bench: "idle daemon (scope-watchdog run, healthy state, default schedule)",
      minutes,
      machine: machine(),
      cpuSecondsPerHour: +((cpu1 - cpu0) / elapsedH).toFixed(3),
      rssMiB: {
        first: +rss[0].toFixed(1),
        median: +median(rss).toFixed(1),
        max: +Math.max(...rss).toFixed(1),
        last: +rss.at(-1).toFixed(1),
      },
      warningsLogged: output.split("\n").filter((l) => l.includes('"level":40') || l.includes('"level":50'))
        .length,
    },
    null,
    2,
  ),
);
