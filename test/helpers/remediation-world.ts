// A remediator on a real temp state dir with the seed's regression: the real inspector, the fake-openclaw
// stand-in as the CLI (real child processes), the real audit log, ledger and machine-wide locks (in a private
// XDG_RUNTIME_DIR below the test's root), a clock that can be moved ahead.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, onTestFinished } from "vitest";
import type { ProcessRunner } from "../../src/actions/process-runner.js";
import { createProcessRunner } from "../../src/actions/process-runner.js";
import type { AuditEntry } from "../../src/actions/remediate/audit-log.js";
import { createRemediator, type PassReport } from "../../src/actions/remediate/run.js";
import { type RemediationConfigInput, remediationSchema } from "../../src/config/schema-remediation.js";
import { validateConfig } from "../../src/config/validate.js";
import { inspectOpenClaw } from "../../src/daemon/inspect.js";
import { type FakeControl, installFakeOpenClaw } from "./fake-openclaw.js";
import { captureLog } from "./log-capture.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  LegacyStateDir,
  pairedRecord,
  pendingRecord,
  tempDir,
  writeSeedState,
} from "./openclaw-state.js";

export const GATEWAY_TOKEN = "gw-token-not-printed-0123456789";

export interface WorldOptions {
  remediation?: RemediationConfigInput;
  control?: FakeControl;
  pending?: "seed" | "none";
  runner?: (real: ProcessRunner, dataDir: string) => ProcessRunner;
  dataDir?: (root: string) => string;
}

/** The world of one remediation test. */
export async function world(o: WorldOptions = {}) {
  const root = await tempDir("sw-run-");
  const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
  const seed = await writeSeedState(state);
  if (o.pending === "none") await state.writePending([]);
  const fake = await installFakeOpenClaw(root);
  await fake.control(o.control ?? {});
  const dataDir = o.dataDir ? o.dataDir(root) : path.join(root, "data");
  const base = validateConfig({ openclaw: { bin: fake.bin, stateDir: state.dir }, dataDir });
  if (!base.ok) throw new Error(JSON.stringify(base.issues));
  const remediation = remediationSchema().parse({
    policy: "approve-local",
    allowScopes: CLI_DEFAULT_SCOPES_4_20,
    ...o.remediation,
  });
  const config = { ...base.config, remediation };
  const clock = { offsetMs: 0 };
  const now = () => Date.now() + clock.offsetMs;
  const env = {
    PATH: process.env.PATH,
    HOME: path.join(root, "home"),
    XDG_RUNTIME_DIR: path.join(root, "run"),
    ...fake.env,
  };
  const inspect = () => inspectOpenClaw({ config, env, nowMs: now() });
  const { logger, raw, records } = captureLog({ secrets: () => [GATEWAY_TOKEN] });
  const real = createProcessRunner();
  /** A remediator on this world (another one is what a restart, or a second watchdog, would have). */
  const newRemediator = () => {
    const r = createRemediator({
      remediation,
      logger,
      dataDir,
      now,
      inspect,
      runner: o.runner ? o.runner(real, dataDir) : real,
      env,
      retryDelayMs: 0,
      killGraceMs: 300,
    });
    onTestFinished(() => r.stop());
    return r;
  };
  const remediator = newRemediator();
  const audit = async (): Promise<AuditEntry[]> =>
    (await readFile(path.join(dataDir, "audit.jsonl"), "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEntry);
  const approvedScopes = async () => {
    const paired = JSON.parse(await readFile(state.file("devices/paired.json"), "utf8")) as Record<
      string,
      { approvedScopes: string[] }
    >;
    return [...(paired[seed.id.deviceId]?.approvedScopes ?? [])].sort();
  };
  const argvs = async () => (await fake.calls()).map((c) => c.argv.slice(1, 3).join(" "));
  /** The device is narrowed again and a fresh request appears, as after a second regression. */
  const regressAgain = async () => {
    await state.writePaired([pairedRecord(seed.id, { scopes: ["operator.approvals"] })]);
    await state.writePending([pendingRecord(seed.id, { scopes: CLI_DEFAULT_SCOPES_4_20 })]);
  };
  return {
    root,
    state,
    seed,
    fake,
    env,
    config,
    dataDir,
    remediator,
    newRemediator,
    clock,
    inspect,
    raw,
    records,
    audit,
    approvedScopes,
    argvs,
    regressAgain,
  };
}

/** The one decision of a pass. */
export const only = (r: PassReport) => {
  expect(r.decisions).toHaveLength(1);
  const d = r.decisions[0];
  if (!d) throw new Error("no decision");
  return d;
};
