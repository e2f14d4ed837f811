// Benchmark on a real OpenClaw 2026.4.20 gateway: time from the seed's regression (the subagent call refused
// with 1008) to the heal verified by the daemon in approve-local, beside the time `openclaw devices list
// --json` plus `openclaw devices approve <id> --json` take when a person types them (command time only).
// Runs alternate on one gateway so both see the same machine. Usage: npm run bench:gateway [-- runs]
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import {
  cliDefaultScopes,
  pairLocalDeviceViaCli,
  startWatchdogDaemon,
  useGateway,
} from "../test/e2e/harness/index.js";
import { median, regress } from "./gateway-bench.js";

const VERSION = "2026.4.20";
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

it(`regression -> verified heal vs hand-typed list + approve (${RUNS} runs each)`, async () => {
  const gateway = await useGateway({ version: VERSION });
  const { identity } = await pairLocalDeviceViaCli(gateway);
  const daemon = await startWatchdogDaemon(gateway, {
    reconcile: { schedule: "0 0 1 1 *" },
    notify: { desktop: { enabled: false } },
    // a benchmark regresses the same device on purpose, again and again
    remediation: {
      policy: "approve-local",
      allowScopes: cliDefaultScopes(VERSION),
      regressionWindow: "1s",
      maxPerHour: 60,
      backoff: { initial: "1s", max: "1s" },
    },
  });
  const killSwitch = path.join(daemon.dataDir, "disable-remediation");
  await daemon.waitFor((r) => r.msg === "watching OpenClaw");

  const watchdogMs: number[] = [];
  const handMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // the watchdog heals it
    rmSync(killSwitch, { force: true });
    const seen = daemon.records.length;
    const t0 = await regress(gateway, identity);
    const healed = await daemon.waitFor(
      (r) => daemon.records.indexOf(r) >= seen && r.action === "approve" && r.status === "healed",
      120_000,
    );
    watchdogMs.push(Date.parse(healed.time) - t0);
    await daemon.waitFor(
      (r) => daemon.records.indexOf(r) >= seen && r.msg === "resolved: baseline-missing-scope",
      60_000,
    );

    // a person heals it: the watchdog is switched off with its kill switch
    writeFileSync(killSwitch, "bench\n");
    await regress(gateway, identity);
    const start = Date.now();
    const list = await gateway.openclaw(["devices", "list", "--json"]);
    const pending = (
      JSON.parse(list.stdout) as { pending: { requestId: string; deviceId: string }[] }
    ).pending.find((p) => p.deviceId === identity.deviceId);
    const approve = await gateway.openclaw(["devices", "approve", pending?.requestId ?? "", "--json"]);
    expect(approve.code).toBe(0);
    handMs.push(Date.now() - start);
  }
  const result = {
    bench: "regression -> verified heal (real OpenClaw 2026.4.20 gateway)",
    runs: RUNS,
    watchdogApproveLocal: { medianMs: median(watchdogMs), samplesMs: watchdogMs },
    handTypedListPlusApprove: {
      medianMs: median(handMs),
      samplesMs: handMs,
      note: "command wall time only; reading the id and typing not included",
    },
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(path.join(import.meta.dirname, "out-heal.json"), `${JSON.stringify(result, null, 2)}\n`);
});
