// The world of one fault test (issue 11, item 12), made of the shared helpers: the whole watchdog on real files
// (helpers/daemon.ts), the seed's regression in a real OpenClaw state dir (helpers/openclaw-state.ts), the
// fake-openclaw stand-in as the CLI (real child processes), a webhook sink on 127.0.0.1, approve-local on.
// After a fault, `intact()` parses every file the watchdog keeps, `approvedNothingElse()` checks the pairing
// state and the audit log, and `newPerKey()` counts the "new" notifications of each incident.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, onTestFinished } from "vitest";
import { AUDIT_FILE, type AuditEntry } from "../../../src/actions/remediate/audit-log.js";
import { KILL_SWITCH_FILE } from "../../../src/actions/remediate/kill-switch.js";
import { LEDGER_FILE, type LedgerEntry } from "../../../src/actions/remediate/ledger.js";
import { INCIDENTS_FILE, NOTIFY_STATE_FILE } from "../../../src/actions/state-store.js";
import { incidentMemorySchema, notifyStateSchema } from "../../../src/actions/stored-state.js";
import type { RemediationConfigInput } from "../../../src/config/schema-remediation.js";
import { startTestWatchdog, type TestWatchdog } from "../../helpers/daemon.js";
import { type FakeControl, installFakeOpenClaw } from "../../helpers/fake-openclaw.js";
import { startHttpSink } from "../../helpers/http-sink.js";
import {
  CLI_DEFAULT_SCOPES_4_20,
  LegacyStateDir,
  tempDir,
  writeSeedState,
} from "../../helpers/openclaw-state.js";

export interface FaultWorldOptions {
  remediation?: RemediationConfigInput;
  control?: FakeControl;
  /** The watchdog's data folder (default <root>/data); e.g. a small tmpfs. */
  dataDir?: (root: string) => Promise<string> | string;
  /** The watchdog's own gateway connection (default off). */
  connection?: Record<string, unknown>;
  /** The clock the watchdog is given. */
  now?: () => number;
  /** Other config sections. */
  config?: Record<string, unknown>;
}

export const HOUR_MS = 3_600_000;

/**
 * The incidents still open after a heal, but the info that the cached device token is narrower (it catches up
 * on the CLI's next connect; the stand-in does not rewrite device-auth.json).
 */
export const stillOpen = (codes: string[]) => codes.filter((c) => c !== "token-scope-drift");

export async function faultWorld(o: FaultWorldOptions = {}) {
  const root = await tempDir("sw-fault-");
  const state = new LegacyStateDir(path.join(root, "home", ".openclaw"));
  const seed = await writeSeedState(state);
  const fake = await installFakeOpenClaw(root);
  await fake.control(o.control ?? {});
  const dataDir = o.dataDir ? await o.dataDir(root) : path.join(root, "data");
  const logFile = path.join(root, "logs", "openclaw.log");
  const sink = await startHttpSink();
  onTestFinished(() => sink.close());
  const config = {
    dataDir,
    openclaw: { bin: fake.bin, stateDir: state.dir, logFile },
    connection: o.connection ?? { enabled: false },
    notify: { desktop: { enabled: false }, groupWait: "100ms", webhook: { url: sink.url, retries: 0 } },
    remediation: {
      policy: "approve-local",
      allowScopes: CLI_DEFAULT_SCOPES_4_20,
      cliTimeout: "2s",
      backoff: { initial: "1s", max: "1s" },
      ...o.remediation,
    },
    log: { level: "debug" },
    ...o.config,
  };
  const env = { XDG_RUNTIME_DIR: path.join(root, "run"), ...fake.env };
  /** Every watchdog this test started, in order (a restart is stop() and start()). */
  const runs: TestWatchdog[] = [];
  const start = async (): Promise<TestWatchdog> => {
    const w = await startTestWatchdog({ root, config, env, ...(o.now ? { now: o.now } : {}) });
    runs.push(w);
    return w;
  };
  const readText = (file: string) => readFile(path.join(dataDir, file), "utf8");

  /** Every file the watchdog keeps parses whole (the ones it has written so far). */
  const intact = async () => {
    const incidents = JSON.parse(await readText(INCIDENTS_FILE)) as { byStateDir: Record<string, unknown> };
    const memory = incidentMemorySchema.parse(incidents.byStateDir[state.dir]);
    const notify = notifyStateSchema.parse(
      (JSON.parse(await readText(NOTIFY_STATE_FILE)) as { state: unknown }).state,
    );
    const ledger = await readText(LEDGER_FILE).then(
      (t) => (JSON.parse(t) as { attempts: LedgerEntry[] }).attempts,
      (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return [];
        throw err;
      },
    );
    const audit = await readText(AUDIT_FILE).then(
      (t) =>
        t
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as AuditEntry),
      (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return [] as AuditEntry[];
        throw err;
      },
    );
    return {
      memory,
      notify,
      ledger,
      audit,
      openCodes: Object.values(memory.open)
        .map((i) => i.code)
        .sort(),
    };
  };

  const pairedNow = async () =>
    JSON.parse(await readFile(state.file("devices/paired.json"), "utf8")) as Record<
      string,
      { deviceId: string; approvedScopes: string[]; roles: string[] }
    >;

  /** Only the seed's device is paired, with nothing beyond the allow-list; every approve run was for it. */
  const approvedNothingElse = async (audit: AuditEntry[]) => {
    const paired = await pairedNow();
    expect(Object.keys(paired)).toEqual([seed.id.deviceId]);
    const mine = paired[seed.id.deviceId];
    expect(mine?.roles).toEqual(["operator"]);
    for (const s of mine?.approvedScopes ?? []) expect(CLI_DEFAULT_SCOPES_4_20).toContain(s);
    for (const e of audit.filter((x) => x.command?.startsWith("openclaw devices approve")))
      expect(e.deviceId).toBe(seed.id.deviceId);
  };

  /** The webhook's notifications: kind, and the incident's group key (the device's, else the finding's). */
  const notifications = () =>
    sink.requests.map((r) => {
      const body = JSON.parse(r.body) as {
        kind: string;
        incident?: { fingerprint: string; codes: string[] };
      };
      return {
        kind: body.kind,
        key: body.incident?.fingerprint ?? body.kind,
        codes: body.incident?.codes ?? [],
      };
    });
  /** How many "new" notifications each incident (group key) got. */
  const newPerKey = () => {
    const out: Record<string, number> = {};
    for (const n of notifications().filter((x) => x.kind === "new")) out[n.key] = (out[n.key] ?? 0) + 1;
    return out;
  };
  /** How often each fingerprint was opened over every run of this test. */
  const openedPerFingerprint = () => {
    const out: Record<string, number> = {};
    for (const w of runs)
      for (const e of w.evaluations)
        for (const ev of e.events)
          if (ev.type === "opened") out[ev.incident.fingerprint] = (out[ev.incident.fingerprint] ?? 0) + 1;
    return out;
  };
  const approvedScopes = async () =>
    [...((await pairedNow())[seed.id.deviceId]?.approvedScopes ?? [])].sort();
  const killSwitch = () => readFile(path.join(dataDir, KILL_SWITCH_FILE), "utf8").catch(() => null);

  /** The last run's pass has ended (its "remediation approve: …" line), with the decision's status. */
  const passEnded = async (w: TestWatchdog, timeoutMs = 10_000) =>
    String((await w.waitForLog((r) => r.msg.startsWith("remediation approve:"), timeoutMs)).status);

  /**
   * After the fault: the CLI behaves again, a restarted watchdog heals the device on its first look, the heal is
   * told once, and nothing was opened or told twice over the whole test.
   */
  const restartAndHeal = async (last: TestWatchdog, reopened: string[] = []) => {
    await fake.control({});
    await last.watchdog.stop();
    // the restart comes after the failed attempt's backoff (1 s), so its first look may act
    const lastAttempt = Math.max(0, ...(await intact()).ledger.map((a) => a.atMs));
    await new Promise((r) => setTimeout(r, Math.max(0, lastAttempt + 1_100 - Date.now())));
    const told = sink.requests.length;
    const next = await start();
    expect(await passEnded(next)).toBe("healed");
    await sink.waitFor(told + 1);
    await next.watchdog.stop();
    // the device's incident: told once, healed once; any other (e.g. the gateway going away): told once
    const device = `device:${seed.id.deviceId}`;
    expect(
      notifications()
        .filter((n) => n.key === device)
        .map((n) => n.kind),
    ).toEqual(["new", "recovered"]);
    expect(
      Object.values(newPerKey()).every((n) => n === 1),
      JSON.stringify(notifications().map((n) => [n.key, n.kind])),
    ).toBe(true);
    for (const [fp, n] of Object.entries(openedPerFingerprint()))
      expect(n, fp).toBe(reopened.some((code) => fp.includes(`#${code}|`)) ? 2 : 1);
    const files = await intact();
    expect(stillOpen(files.openCodes)).toEqual([]);
    expect(files.ledger.toSorted((a, b) => b.atMs - a.atMs)[0]?.healed).toBe(true);
    await approvedNothingElse(files.audit);
    expect(await approvedScopes()).toEqual([...CLI_DEFAULT_SCOPES_4_20].sort());
    return files;
  };

  return {
    root,
    passEnded,
    restartAndHeal,
    state,
    seed,
    fake,
    sink,
    dataDir,
    logFile,
    config,
    env,
    runs,
    start,
    intact,
    approvedNothingElse,
    approvedScopes,
    notifications,
    newPerKey,
    openedPerFingerprint,
    killSwitch,
  };
}
