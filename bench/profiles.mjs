#!/usr/bin/env node
// Benchmark: the cost of watching many OpenClaw profiles with one daemon. For each profile count (default 1, 10,
// 50) it fills a HOME with the default state and ~/.openclaw-pNN profiles (typical, healthy 2026.4.x states),
// starts `scope-watchdog run` with no state dir configured (it discovers them all), and measures idle CPU per hour
// and RSS over an idle window, then file change -> finding latency in the LAST profile (rewrite its paired.json
// narrowed, wait for the baseline-missing-scope line naming it; heal; repeat).
// Usage: node bench/profiles.mjs [idleSeconds=120] [counts=1,10,50] [rounds=15]   (after `npm run build`)
import { spawn } from "node:child_process";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  CLI,
  FULL_SCOPES,
  machine,
  median,
  pairedFile,
  percentile,
  tempDir,
  typicalState,
  typicalStateDir,
} from "./lib.mjs";

const idleSeconds = Number(process.argv[2] ?? 120);
const counts = (process.argv[3] ?? "1,10,50").split(",").map(Number);
const rounds = Number(process.argv[4] ?? 15);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function writeAtomic(file, value) {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
  await rename(tmp, file);
}

async function measure(profiles) {
  const root = await tempDir();
  const t = await typicalState(root, "2026.4.20", { healthy: true });
  const dirs = [{ name: "default", dir: t.stateDir, me: t.me }];
  for (let i = 1; i < profiles; i++) {
    const name = `p${String(i).padStart(2, "0")}`;
    const dir = path.join(t.home, `.openclaw-${name}`);
    dirs.push({ name, dir, me: await typicalStateDir(dir, { healthy: true, port: 18790 + i }) });
  }
  // discovery: no stateDir in the config
  const config = JSON.parse(await readFile(t.config, "utf8"));
  delete config.openclaw.stateDir;
  await writeFile(
    t.config,
    JSON.stringify({
      ...config,
      notify: { desktop: { enabled: false } },
      log: { level: "info", format: "json" },
    }),
  );
  const child = spawn(process.execPath, [CLI, "run", "--config", t.config], {
    env: {
      PATH: process.env.PATH,
      HOME: t.home,
      XDG_STATE_HOME: path.join(root, "state"),
      XDG_RUNTIME_DIR: path.join(root, "run"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const waiters = [];
  child.stdout.on("data", (d) => {
    out += d;
    for (const w of [...waiters])
      if (w.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
  const until = (test, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      if (test(out)) return resolve();
      const w = { test, resolve };
      waiters.push(w);
      setTimeout(() => reject(new Error(`timeout waiting (${profiles} profiles)`)), timeoutMs).unref();
    });
  const watching = () => out.split('"msg":"watching OpenClaw"').length - 1;
  await until(() => watching() >= profiles);
  const cpuSeconds = async () => {
    const f = (await readFile(`/proc/${child.pid}/stat`, "utf8")).split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const rssMiB = async () =>
    Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;
  await sleep(5_000); // start-up is not idle
  const cpu0 = await cpuSeconds();
  const t0 = Date.now();
  const rss = [];
  while (Date.now() - t0 < idleSeconds * 1000) {
    rss.push(await rssMiB());
    await sleep(5_000);
  }
  const cpuPerHour = ((await cpuSeconds()) - cpu0) / ((Date.now() - t0) / 3_600_000);

  const last = dirs.at(-1);
  const paired = path.join(last.dir, "devices", "paired.json");
  const lat = [];
  for (let r = 0; r < rounds; r++) {
    const before = out.length;
    const at = performance.now();
    await writeAtomic(paired, pairedFile(last.me, ["operator.approvals"], last.me.others));
    await until(
      (o) =>
        o.slice(before).includes(`"profile":"${last.name}"`) &&
        /"code":"baseline-missing-scope"/.test(o.slice(before)),
    );
    lat.push(performance.now() - at);
    const mark = out.length;
    await writeAtomic(paired, pairedFile(last.me, FULL_SCOPES, last.me.others));
    await until((o) => o.slice(mark).includes('"msg":"resolved: baseline-missing-scope"'));
    await sleep(200);
  }
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
  await rm(root, { recursive: true, force: true });
  return {
    profiles,
    cpuSecondsPerHour: +cpuPerHour.toFixed(2),
    rssMiB: +median(rss).toFixed(1),
    latencyMs: { p50: +median(lat).toFixed(1), p99: +percentile(lat, 99).toFixed(1), rounds },
  };
}

const rows = [];
for (const n of counts) rows.push(await measure(n));
const base = rows[0];
console.log(
  JSON.stringify(
    {
      bench:
        "one daemon, N OpenClaw profiles (healthy 2026.4.x states, discovered; idle, then change -> finding in the last)",
      machine: machine(),
      idleSeconds,
      rows: rows.map((r) => ({
        ...r,
        perExtraProfile:
          r.profiles > base.profiles
            ? {
                rssMiB: +((r.rssMiB - base.rssMiB) / (r.profiles - base.profiles)).toFixed(2),
                cpuSecondsPerHour: +(
                  (r.cpuSecondsPerHour - base.cpuSecondsPerHour) /
                  (r.profiles - base.profiles)
                ).toFixed(3),
              }
            : null,
      })),
    },
    null,
    2,
  ),
);
