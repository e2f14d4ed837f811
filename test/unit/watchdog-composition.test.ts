// The composition root with injected fakes (style guide §E.28, "daemon wiring"): events in (file changes, log
// observations, the reconcile schedule), evaluations and actions out (incidents, notifications, remediation
// decisions), a fake clock, no files, no processes, no sockets. Everything below createWatchdog is the real code.

import { describe, expect, it, onTestFinished, vi } from "vitest";
import type { Channel, Rendered } from "../../src/actions/notify/channel.js";
import { createNotifier } from "../../src/actions/notify/notifier.js";
import type { ProcessRunner } from "../../src/actions/process-runner.js";
import type { AuditEntry, AuditLog } from "../../src/actions/remediate/audit-log.js";
import type { Ledger, LedgerEntry } from "../../src/actions/remediate/ledger.js";
import type { LogOffset, StateStore } from "../../src/actions/state-store.js";
import type { LastGoodState, Observation, PairingSnapshot } from "../../src/common/types.js";
import { validateConfig } from "../../src/config/load.js";
import type { OpenClawLocation } from "../../src/config/openclaw-paths.js";
import { NoOpenClawStateError } from "../../src/daemon/inspect.js";
import type { LogTailOptions } from "../../src/daemon/ports.js";
import { createWatchdog, type WatchdogDeps } from "../../src/daemon/watchdog.js";
import { assessState } from "../../src/detect/inspection.js";
import type { Evaluation } from "../../src/policy/evaluation.js";
import { captureLog } from "../helpers/log-capture.js";
import { CLI_SCOPES, ME, paired, pending, snapshot } from "../helpers/records.js";

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
const LOCATION: OpenClawLocation = {
  home: "/home/u",
  stateDir: "/home/u/.openclaw",
  stateDirSource: "~/.openclaw",
  profile: null,
  configPath: "/home/u/.openclaw/openclaw.json",
  searched: ["/home/u/.openclaw"],
  portOverride: null,
};
const GATEWAY = {
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

function world() {
  const clock = { ms: T0 };
  const state: { snap: PairingSnapshot; exists: boolean } = {
    snap: snapshot({ paired: [paired(CLI_SCOPES)] }),
    exists: true,
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
  const lastGood = new Map<string, LastGoodState>();
  const offsets = new Map<string, LogOffset>();
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
    held,
    deps,
    loaded,
  };
}

const narrowed = (ts: number) =>
  snapshot({
    paired: [paired(["operator.approvals"])],
    pending: [pending(CLI_SCOPES, { ts, requestId: "2b640a10-5c1e-4f3a-9d2b-7e8f9a0b1c2d" })],
  });

describe("the watchdog wired with fakes", () => {
  it("holds the daemon lock on its state from start to stop: a second one refuses to start meanwhile", async () => {
    const t = world();
    await t.w.start();
    expect([...t.held]).toEqual([`daemon:${LOCATION.stateDir}`]);
    const second = createWatchdog(t.loaded, t.deps);
    const refused = await second.start().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(refused?.name).toBe("DaemonLockError");
    expect(refused?.message).toMatch(
      /^another scope-watchdog already watches the OpenClaw state \/home\/u\/\.openclaw \(lock in \(memory\)\)/,
    );
    expect(second.stopped).toBe(true);
    await t.w.stop();
    expect([...t.held]).toEqual([]);
    const third = createWatchdog(t.loaded, t.deps);
    await third.start();
    expect([...t.held]).toEqual([`daemon:${LOCATION.stateDir}`]);
    await third.stop();
  });

  it("a narrowing becomes incidents, one notification and a notify decision; healing sends one recovery", async () => {
    const t = world();
    await t.w.start();
    await t.evaluated(1);
    expect(t.evaluations[0]?.trigger).toBe("start");
    expect(t.evaluations[0]?.findings).toEqual([]);
    expect(t.lastGood.get(LOCATION.stateDir)?.approvedScopes).toEqual(CLI_SCOPES);

    t.clock.ms += 60_000;
    t.state.snap = narrowed(t.clock.ms - 1_000);
    t.hooks.fileChange?.([`${LOCATION.stateDir}/devices/paired.json`]);
    await t.evaluated(2);
    const e = t.evaluations[1];
    expect(e?.trigger).toBe("files:devices/paired.json");
    expect(
      e?.events
        .filter((x) => x.type === "opened")
        .map((x) => x.incident.code)
        .sort(),
    ).toEqual(["baseline-missing-scope", "scope-regression", "scope-upgrade-pending"]);
    await vi.waitFor(() => expect(t.sent).toHaveLength(1), { timeout: 2_000, interval: 2 });
    expect(t.sent[0]?.severity).toBe("critical");
    expect(t.sent[0]?.body).toContain("openclaw devices approve 2b640a10-5c1e-4f3a-9d2b-7e8f9a0b1c2d");
    // the remediation pass decided to notify only (the default policy) and recorded it, once
    await vi.waitFor(() => expect(t.audit.filter((a) => a.phase === "decided")).not.toHaveLength(0), {
      timeout: 2_000,
      interval: 2,
    });
    expect(new Set(t.audit.map((a) => a.action))).toEqual(new Set(["notify"]));
    expect(t.commands).toEqual([]);

    t.clock.ms += 60_000;
    t.state.snap = snapshot({ paired: [paired(CLI_SCOPES)] });
    t.hooks.fileChange?.([`${LOCATION.stateDir}/devices/paired.json`]);
    await t.evaluated(3);
    expect(t.evaluations[2]?.events.map((x) => x.type)).toEqual(["resolved", "resolved", "resolved"]);
    await vi.waitFor(() => expect(t.sent).toHaveLength(2), { timeout: 2_000, interval: 2 });
    expect(t.sent[1]?.kind).toBe("recovered");
    expect(t.commands).toEqual([]);
  });

  it("a refused connection in the gateway log is an incident of its own, evaluated at the line's time", async () => {
    const t = world();
    await t.w.start();
    await t.evaluated(1);
    t.clock.ms += 60_000;
    const lineAt = t.clock.ms - 5_000;
    const o: Observation = {
      kind: "pairing-required-close",
      source: "log",
      atMs: lineAt,
      deviceId: ME.deviceId,
      requestId: "2b640a10-5c1e-4f3a-9d2b-7e8f9a0b1c2d",
      reason: "scope-upgrade",
      code: 1008,
      closeReason: "pairing required: device is asking for more scopes than currently approved",
      text: "closed before connect … code=1008",
    };
    t.hooks.observe?.(o, { stale: false });
    await t.evaluated(2);
    const e = t.evaluations[1];
    expect(e?.trigger).toBe("log:pairing-required-close");
    expect(e?.triggeredAtMs).toBe(lineAt);
    expect(e?.events.map((x) => [x.type, x.incident.code])).toEqual([["opened", "pairing-required-close"]]);
    // an old line replayed at start is kept for status but evaluates nothing
    t.hooks.observe?.({ ...o, atMs: lineAt - 3_600_000 }, { stale: true });
    expect(t.w.status().recentObservations).toHaveLength(2);
    expect(t.evaluations).toHaveLength(2);
  });

  it("the reconcile schedule re-evaluates; a vanished state dir is waited for and picked up again", async () => {
    const t = world();
    await t.w.start();
    await t.evaluated(1);
    await t.hooks.reconcile?.();
    await t.evaluated(2);
    expect(t.evaluations[1]?.trigger).toBe("reconcile");

    t.state.exists = false;
    t.hooks.fileChange?.([LOCATION.stateDir]);
    await vi.waitFor(() => expect(t.w.status().watchdog.mode).toBe("waiting"), {
      timeout: 2_000,
      interval: 2,
    });
    t.state.exists = true;
    t.hooks.appear?.();
    await vi.waitFor(() => expect(t.w.status().watchdog.mode).toBe("watching"), {
      timeout: 2_000,
      interval: 2,
    });
    await t.evaluated(3);
    expect(t.evaluations.at(-1)?.trigger).toBe("start");
  });

  it("stop() is idempotent and the last line says so", async () => {
    const t = world();
    await t.w.start();
    await t.evaluated(1);
    const first = t.w.stop();
    expect(t.w.stop()).toBe(first);
    await first;
    expect(t.w.stopped).toBe(true);
    expect(t.log.records.at(-1)?.msg).toBe("openclaw-scope-watchdog stopped");
  });
});
