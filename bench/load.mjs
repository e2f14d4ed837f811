#!/usr/bin/env node
// Load run (issue 11, item 13): the built daemon (`dist/cli/bin.js run`, a child with a temp config and state)
// under 10,000 pairing-file rewrites a second and 50,000 gateway log lines a second for a minute.
// Usage: node bench/load.mjs [seconds=60] [rewritesPerSecond=10000] [linesPerSecond=50000]   (npm run bench:load)
//
// The state is the seed's regression (this machine's device narrowed to operator.approvals, its scope upgrade
// pending); every rewrite replaces devices/pending.json atomically (tmp + rename, as OpenClaw writes it) with
// the device's request under a new id (the churn a reconnecting client causes), so it stays one incident. The
// log gets real 2026.4.20 gateway lines (test/fixtures/logs), re-stamped. The temp root is on /dev/shm when it
// exists (LOAD_ON_DISK=1: os.tmpdir()). When the load stops the device is
// healed (paired with the CLI's scopes, nothing pending): that final state must be what `status --json` shows.
// Notifications go to a webhook sink on 127.0.0.1; the daemon's CPU (utime+stime) and RSS (VmRSS sampled,
// VmHWM at the end) come from /proc/<pid>. The load comes from three worker threads (two rewriters, one log
// writer) with synchronous writes paced in 10 ms slices; the rates reached are reported next to the ones asked.
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { CLI, FULL_SCOPES, machine, median, pairedFile, ROOT, tempDir, typicalState } from "./lib.mjs";

/** A generator thread: `perSecond` rewrites of pending.json (tmp + rename) or log lines, in 10 ms slices. */
async function generate(job) {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const perSlice = job.perSecond / 100;
  let count = 0;
  let slices = 0;
  while (Date.now() - job.t0 < job.seconds * 1_000) {
    const sliceStart = Date.now();
    if (job.kind === "rewrite") {
      for (let i = 0; i < perSlice; i++) {
        const n = `${job.writer}${String(count).padStart(11, "0")}`;
        const id = `${job.mine.requestId.slice(0, 24)}${n}`;
        const tmp = `${job.file}.${n}.tmp`;
        const body = {
          [id]: { ...job.mine, requestId: id, ts: Date.now() - 5_000 },
          [job.other.requestId]: job.other,
        };
        writeFileSync(tmp, JSON.stringify(body));
        renameSync(tmp, job.file);
        count++;
      }
    } else {
      const at = new Date().toISOString();
      let chunk = "";
      for (let i = 0; i < perSlice; i++)
        chunk += `${job.lines[(count + i) % job.lines.length].replace(/"date":"[^"]+"/, `"date":"${at}"`)}\n`;
      appendFileSync(job.file, chunk);
      count += perSlice;
    }
    slices++;
    await sleep(Math.max(0, 10 - (Date.now() - sliceStart)));
  }
  return { count, slices };
}

if (!isMainThread) {
  parentPort.postMessage(await generate(workerData));
  await new Promise(() => {}); // the main thread ends it (the code below is the main thread's)
}

const seconds = Number(process.argv[2] ?? 60);
const rewritesPerSecond = Number(process.argv[3] ?? 10_000);
const linesPerSecond = Number(process.argv[4] ?? 50_000);

// on /dev/shm (a tmpfs) where there is one: this VM's ext4 /tmp takes ~1.7 ms per write + rename, ten times
// what 10,000 rewrites a second allow; inotify reports the same events either way
const shm = process.env.LOAD_ON_DISK ? null : existsSync("/dev/shm") ? "/dev/shm" : null;
const root = shm ? await mkdtemp(path.join(shm, "sw-load-")) : await tempDir("sw-load-");
const t = await typicalState(root, "2026.4.20");
const stateDir = t.stateDir;
const pendingFile = path.join(stateDir, "devices", "pending.json");
const pairedJson = path.join(stateDir, "devices", "paired.json");
// the log stays on disk (a minute at the full rate is gigabytes, too much for a RAM-backed folder)
const logRoot = await tempDir("sw-load-log-");
const logFile = path.join(logRoot, "openclaw.log");
writeFileSync(logFile, "");
const dataDir = path.join(root, "data");

// the webhook sink
const received = [];
const sink = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    received.push(JSON.parse(body));
    res.end();
  });
});
await new Promise((r) => sink.listen(0, "127.0.0.1", r));
const sinkUrl = `http://127.0.0.1:${sink.address().port}/hook`;

const base = JSON.parse(await readFile(t.config, "utf8"));
await writeFile(
  t.config,
  JSON.stringify({
    ...base,
    openclaw: { ...base.openclaw, logFile },
    dataDir,
    connection: { enabled: false },
    notify: { desktop: { enabled: false }, groupWait: "1s", webhook: { url: sinkUrl, retries: 0 } },
    log: { level: "warn", format: "json" },
  }),
);
const env = {
  PATH: process.env.PATH,
  HOME: t.home,
  XDG_STATE_HOME: path.join(root, "state"),
  XDG_RUNTIME_DIR: path.join(root, "run"),
};
const child = spawn(process.execPath, [CLI, "run", "--config", t.config], {
  env,
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
child.stdout.on("data", (d) => {
  output += d;
});
child.stderr.on("data", (d) => {
  output += d;
});

const proc = (f) => readFileSync(`/proc/${child.pid}/${f}`, "utf8");
const cpuSeconds = () => {
  const f = proc("stat").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, USER_HZ ticks
};
const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(proc("status"))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// started and told about the seed's regression
for (let i = 0; i < 300 && received.length === 0; i++) await sleep(100);
if (received.length === 0) throw new Error(`no first notification; daemon output:\n${output}`);

// the load
const me = JSON.parse(readFileSync(pendingFile, "utf8"));
const mine = Object.values(me).find((p) => p.clientId === "cli");
const other = Object.values(me).find((p) => p.clientId !== "cli");
const lines = readFileSync(path.join(ROOT, "test", "fixtures", "logs", "openclaw-2026.4.20.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean);
const cpu0 = cpuSeconds();
const rss = [kib("VmRSS")];
const t0 = Date.now();
// the generators: worker threads, each pacing itself in 10 ms slices (two rewriters, one log writer)
const run = (job) =>
  new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { ...job, seconds, t0 } });
    w.once("message", (m) => {
      void w.terminate();
      resolve(m);
    });
    w.once("error", reject);
  });
const sampler = setInterval(() => rss.push(kib("VmRSS")), 1_000);
const done = await Promise.all([
  run({ kind: "rewrite", file: pendingFile, perSecond: rewritesPerSecond / 2, mine, other, writer: 0 }),
  run({ kind: "rewrite", file: pendingFile, perSecond: rewritesPerSecond / 2, mine, other, writer: 1 }),
  run({ kind: "lines", file: logFile, perSecond: linesPerSecond, lines }),
]);
clearInterval(sampler);
const rewrites = done[0].count + done[1].count;
const written = done[2].count;
const slice = done[2].slices;
const loadSeconds = (Date.now() - t0) / 1_000;
const cpuLoad = cpuSeconds() - cpu0;

// the final state: healed
const others = Object.values(JSON.parse(readFileSync(pairedJson, "utf8"))).filter(
  (d) => d.deviceId !== mine.deviceId,
);
writeFileSync(
  `${pairedJson}.final.tmp`,
  JSON.stringify(pairedFile({ deviceId: mine.deviceId, publicKey: mine.publicKey }, FULL_SCOPES, [])),
);
const healedPaired = {
  ...JSON.parse(readFileSync(`${pairedJson}.final.tmp`, "utf8")),
  ...Object.fromEntries(others.map((d) => [d.deviceId, d])),
};
writeFileSync(`${pairedJson}.final.tmp`, JSON.stringify(healedPaired));
renameSync(`${pairedJson}.final.tmp`, pairedJson);
writeFileSync(`${pendingFile}.final.tmp`, JSON.stringify({ [other.requestId]: other }));
renameSync(`${pendingFile}.final.tmp`, pendingFile);
const tFinal = Date.now();

// the final state evaluated: status --json shows the device healed
const status = () =>
  new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, "status", "--json", "--config", t.config], { env });
    let out = "";
    c.stdout.on("data", (d) => {
      out += d;
    });
    c.on("exit", () => resolve(out));
  });
let final = null;
for (let i = 0; i < 60; i++) {
  const s = JSON.parse(await status());
  const codes = (s.incidents ?? []).map((i) => i.code);
  const healed = FULL_SCOPES.every((x) => s.device?.approvedScopes?.includes(x));
  if (healed && !codes.includes("baseline-missing-scope") && !codes.includes("scope-upgrade-pending")) {
    final = { afterMs: Date.now() - tFinal, openCodes: codes };
    break;
  }
  await sleep(500);
}
await sleep(3_000); // the recovery's group wait
const peakRssKiB = kib("VmHWM");
rss.push(kib("VmRSS"));
child.kill("SIGTERM");
const code = await new Promise((r) => child.on("exit", r));
sink.close();

const byKey = {};
for (const n of received) {
  byKey[n.incident?.fingerprint ?? n.kind] ??= [];
  byKey[n.incident?.fingerprint ?? n.kind].push(n.kind);
}
const result = {
  bench: "load: pairing-file rewrites and gateway log lines against `scope-watchdog run`",
  machine: machine(),
  loadavgBefore: os.loadavg().map((x) => +x.toFixed(2)),
  root: shm ? `${shm} (tmpfs)` : os.tmpdir(),
  seconds: +loadSeconds.toFixed(1),
  asked: { rewritesPerSecond, linesPerSecond },
  reached: {
    rewritesPerSecond: Math.round(rewrites / loadSeconds),
    linesPerSecond: Math.round(written / loadSeconds),
    slices: slice,
  },
  daemon: {
    cpuSecondsDuringLoad: +cpuLoad.toFixed(2),
    cpuShareOfOneCore: +(cpuLoad / loadSeconds).toFixed(3),
    rssMiB: {
      start: +(rss[0] / 1024).toFixed(1),
      median: +(median(rss) / 1024).toFixed(1),
      peak: +(peakRssKiB / 1024).toFixed(1),
      end: +(rss.at(-1) / 1024).toFixed(1),
    },
    exitCode: code,
  },
  notifications: { total: received.length, perIncident: byKey },
  finalStateEvaluated: final ?? false,
  daemonWarnings: output
    .split("\n")
    .filter((l) => /"level":(40|50|60)/.test(l))
    .slice(0, 5),
};
console.log(JSON.stringify(result, null, 2));
await rm(root, { recursive: true, force: true });
await rm(logRoot, { recursive: true, force: true });
if (!final) process.exitCode = 1;
