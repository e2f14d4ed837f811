// The composition root with injected fakes (style guide §E.28, "daemon wiring"), for the composition tests:
// events in (file changes, log observations, the reconcile schedule), evaluations and actions out (incidents,
// notifications, remediation decisions), a fake clock, the data dir in memory, no files, no processes, no
// sockets. Everything below createWatchdog is the real code.

import { expect, onTestFinished, vi } from "vitest";
import type { Channel, Rendered } from "../../src/actions/notify/channel.js";
import { createNotifier } from "../../src/actions/notify/notifier.js";
import type { ProcessRunner } from "../../src/actions/process-runner.js";
import type { AuditEntry, AuditLog } from "../../src/actions/remediate/audit-log.js";
import type { Ledger, LedgerEntry } from "../../src/actions/remediate/ledger.js";
import type { IncidentMemory, LogOffset, StateStore } from "../../src/actions/state-store.js";
import type { GatewaySettings, LastGoodState, PairingSnapshot } from "../../src/common/types.js";
import type { OpenClawLocation } from "../../src/config/openclaw-paths.js";
import { validateConfig } from "../../src/config/validate.js";
import { NoOpenClawStateError } from "../../src/daemon/inspect.js";
import type { LogTailOptions } from "../../src/daemon/ports.js";
import { createWatchdog, type WatchdogDeps } from "../../src/daemon/watchdog.js";
import { assessState } from "../../src/detect/inspection.js";
import type { Evaluation } from "../../src/policy/evaluation.js";
import type { NotifyState } from "../../src/policy/notify.js";
import { captureLog } from "./log-capture.js";
import { CLI_SCOPES, paired, pending, snapshot } from "./records.js";

export const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
export const LOCATION: OpenClawLocation = {
  home: "/home/u",
  stateDir: "/home/u/.openclaw",
  stateDirSource: "~/.openclaw",
  profile: null,
  configPath: "/home/u/.openclaw/openclaw.json",
  searched: ["/home/u/.openclaw"],
  portOverride: null,
};
export const GATEWAY: GatewaySettings = {
  port: 18790,
  bind: "loopback",
  authMode: "token",
  secret: null,
  logFile: null,
  autoApproveLocal: null,
  mode: null,
  configProblem: null,
  source: LOCATION.configPath,
};

/** The watchdog's data dir in memory: a second world given the same one is the same watchdog after a restart. */
export function memoryStore() {
  return {
    lastGood: new Map<string, LastGoodState>(),
    offsets: new Map<string, LogOffset>(),
    incidents: new Map<string, IncidentMemory>(),
    notify: { state: null as NotifyState | null },
    /** How many times each was written. */
    writes: { incidents: 0, notify: 0 },
  };
}

export function world(data = memoryStore(), startMs = T0) {
  const clock = { ms: startMs };
  const state: { snap: PairingSnapshot; exists: boolean; readMs: number } = {
    snap: snapshot({ paired: [paired(CLI_SCOPES)] }),
    exists: true,
    /** How long reading the state takes on the fake clock. */
    readMs: 0,
  };
  const sent: Rendered[] = [];
  const audit: AuditEntry[] = [];
  const evaluations: Evaluation[] = [];
  const commands: string[][] = [];
  const hooks: {
    fileChange?: (files: string[]) => void;
    observe?: LogTailOptions["onObservation"];
    reconcile?: () => Promise<void>;
    appear?: () => void;
  } = {};
  const { lastGood, offsets, incidents } = data;
  // structuredClone: what a file holds is a copy, never the live object
  const stateStore: StateStore = {
    dir: "/nonexistent/data",
    loadLastGood: async (dir) => lastGood.get(dir) ?? null,
    saveLastGood: async (dir, s) => {
      lastGood.set(dir, s);
    },
    loadLogOffset: async (dir) => offsets.get(dir) ?? null,
    saveLogOffset: async (dir, o) => {
      offsets.set(dir, o);
    },
    loadIncidents: async (dir) => structuredClone(incidents.get(dir) ?? null),
    saveIncidents: async (dir, m) => {
      incidents.set(dir, structuredClone(m));
      data.writes.incidents++;
    },
    loadNotifyState: async () => structuredClone(data.notify.state),
    saveNotifyState: async (s) => {
      data.notify.state = structuredClone(s);
      data.writes.notify++;
    },
  };
  const channel: Channel = {
    name: "webhook",
    minSeverity: "info",
    send: async (n) => {
      sent.push(n);
      return { ok: true, attempts: 1 };
    },
  };
  const auditLog: AuditLog = {
    file: "(memory)",
    append: async (e) => {
      audit.push(e);
    },
    check: async () => {},
  };
  // the machine-wide locks and the ledger, in memory: a lock is held until released
  const held = new Set<string>();
  const memoryLock = (kind: string) => async (stateDir: string) => {
    const key = `${kind}:${stateDir}`;
    if (held.has(key)) return null;
    held.add(key);
    return {
      path: key,
      lost: () => null,
      release: async () => {
        held.delete(key);
      },
    };
  };
  const ledgerEntries: LedgerEntry[] = [];
  const ledger: Ledger = {
    file: "(memory)",
    history: async (stateDir) => ({
      ok: true,
      history: { attempts: ledgerEntries.filter((e) => e.stateDir === stateDir) },
    }),
    record: async (e) => {
      ledgerEntries.push(e);
    },
  };
  // policy notify never runs a command: any call is recorded and fails the test below
  const runner: ProcessRunner = {
    run: async (cmd, args) => {
      commands.push([cmd, ...args]);
      throw new Error("no command may run under policy notify");
    },
  };
  const log = captureLog();
  const v = validateConfig({ notify: { desktop: { enabled: false }, groupWait: "0ms" } });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  const loaded = { config: v.config, file: null, source: "defaults" as const };
  const deps: WatchdogDeps = {
    env: {},
    now: () => clock.ms,
    logger: log.logger,
    dataDir: "/nonexistent/data",
    stateStore,
    loadConfig: async () => loaded,
    openclaw: {
      locate: () => LOCATION,
      exists: async () => state.exists,
      findInstall: async () => ({
        bin: "/opt/openclaw/bin/openclaw",
        version: "2026.4.20",
        via: "package.json",
        problem: null,
      }),
      inspect: async ({ nowMs, lastGood: last, install }) => {
        if (!state.exists) throw new NoOpenClawStateError(LOCATION);
        clock.ms += state.readMs;
        return assessState({
          location: LOCATION,
          install: install ?? { bin: null, version: null, via: null, problem: "not looked up" },
          gateway: GATEWAY,
          snapshot: structuredClone(state.snap),
          requiredScopes: null,
          nowMs,
          lastGood: last,
        });
      },
    },
    createStateWatcher: (o) => {
      hooks.fileChange = o.onChange;
      return { ready: Promise.resolve(), stop: async () => {} };
    },
    watchForPath: (_parent, _child, onAppear) => {
      hooks.appear = onAppear;
      return { ready: Promise.resolve(), stop: async () => {} };
    },
    schedule: (_expr, run) => {
      hooks.reconcile = run;
      return { stop: async () => {} };
    },
    createLogTail: async (o) => {
      hooks.observe = o.onObservation;
      return {
        stop: async () => {},
        stats: () => ({
          linesRead: 0,
          bytesRead: 0,
          observations: 0,
          stale: 0,
          duplicates: 0,
          skipped: { notJson: 0, invalidUtf8: 0, tooLong: 0 },
          file: "/tmp/openclaw/openclaw-2026-12-02.log",
          offset: 0,
          files: 1,
          waiting: false,
        }),
      };
    },
    runner,
    audit: auditLog,
    ledger,
    locks: {
      dir: async () => "(memory)",
      remediation: memoryLock("remediation"),
      daemon: memoryLock("daemon"),
    },
    createNotifier: (n) =>
      createNotifier({
        ...n,
        logger: log.logger,
        dataDir: "/nonexistent/data",
        now: () => clock.ms,
        hostname: "box",
        timeZone: "UTC",
        channels: [channel],
        silences: { read: async () => [] },
      }),
    createStatusEndpoint: () => null,
    createMetricsEndpoint: () => null,
  };
  const w = createWatchdog(loaded, {
    ...deps,
    // every evaluation also lands here, after the followers ran
    onEvaluated: (e) => {
      evaluations.push(e);
    },
  });
  onTestFinished(() => w.stop());
  const evaluated = async (count: number) =>
    vi.waitFor(() => expect(evaluations.length).toBeGreaterThanOrEqual(count), {
      timeout: 2_000,
      interval: 2,
    });
  return {
    w,
    clock,
    state,
    sent,
    audit,
    evaluations,
    commands,
    hooks,
    log,
    lastGood,
    evaluated,
    data,
    held,
    deps,
    loaded,
  };
}

export const narrowed = (ts: number) =>
  snapshot({
    paired: [paired(["operator.approvals"])],
    pending: [pending(CLI_SCOPES, { ts, requestId: "2b640a10-5c1e-4f3a-9d2b-7e8f9a0b1c2d" })],
  });
