// The composition root: the one place where the watchdog is wired. The daemon evaluates; the followers act on
// each evaluation (status and metrics, notifications, healing); the status socket and the metrics endpoint
// answer from them. `run` starts it all; `fix` runs one remediation pass through the same wiring.
// Every real dependency comes in through WatchdogDeps (daemon/deps.ts builds the real ones; tests pass fakes).

import type { HeldLock } from "../actions/locks.js";
import type { Notifier } from "../actions/notify/notifier.js";
import { killSwitchPath } from "../actions/remediate/kill-switch.js";
import { createRemediator, type PassReport, type Remediator } from "../actions/remediate/run.js";
import { errorMessage } from "../common/errors.js";
import { VERSION } from "../common/version.js";
import type { LoadedConfig } from "../config/load.js";
import { type InstanceTarget, instanceName } from "../config/openclaw-paths.js";
import type { Config } from "../config/schema.js";
import type { Inspection } from "../detect/inspection.js";
import type { Evaluation } from "../policy/evaluation.js";
import { recordDispatch, recordPass } from "./activity.js";
import { createApprovals } from "./approve-actions.js";
import { Daemon } from "./daemon.js";
import { combineProfiles, createMetrics, type WatchdogMetrics } from "./metrics.js";
import type { Endpoint, OpenClawTarget, Stoppable, Watchdog, WatchdogDeps } from "./ports.js";
import {
  combineReports,
  createStatusTracker,
  type StatusReport,
  type StatusTracker,
} from "./status-report.js";

/** Another daemon already watches this OpenClaw state: this one refuses to start (one clear line). */
export class DaemonLockError extends Error {
  override readonly name = "DaemonLockError";
}

/** One watched OpenClaw state: its daemon, healing, status memory and metrics, and the daemon lock on it. */
interface Instance {
  name: string;
  stateDir: string;
  target: InstanceTarget;
  daemon: Daemon;
  tracker: StatusTracker;
  metrics: WatchdogMetrics;
  remediator: Remediator;
  lock: HeldLock;
  /** The latest evaluation: its findings join every other state's in what the notifier sees. */
  latest: Evaluation | null;
}

export type { Endpoint, FixRequest, Watchdog, WatchdogDeps } from "./ports.js";

export function createWatchdog(loaded: LoadedConfig, deps: WatchdogDeps): Watchdog {
  let current = loaded;
  let cfg = loaded.config;
  const logger = deps.logger;
  /** The watchdog-wide series (up, build info, notifications); each state has its own metrics besides. */
  const metrics = createMetrics({ version: VERSION, startedAtMs: deps.now() });
  const instances = new Map<string, Instance>();
  let notifier: Notifier | null = null;
  let starting: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;

  const secrets = (): string[] => [...instances.values()].flatMap((i) => i.daemon.secrets());
  const first = (): Instance | undefined => instances.values().next().value;

  const remediatorFor = (
    config: Config,
    inspect: () => Promise<Inspection>,
    extra: Partial<Parameters<typeof createRemediator>[0]> = {},
  ): Remediator =>
    createRemediator({
      remediation: config.remediation,
      logger,
      dataDir: deps.dataDir,
      now: deps.now,
      inspect,
      runner: deps.runner,
      env: deps.env,
      lock: deps.locks.remediation,
      ...(deps.audit ? { audit: deps.audit } : {}),
      ...(deps.ledger ? { ledger: deps.ledger } : {}),
      ...extra,
    });

  /**
   * Re-reads OpenClaw for a remediation pass, learning the install once; with the last good state, so a changed
   * device identity is seen (it blocks healing), and the kill switch, for the halt finding.
   */
  const inspector = (target: OpenClawTarget = {}) => {
    let install = undefined as Inspection["install"] | undefined;
    return async (): Promise<Inspection> => {
      install ??= await deps.openclaw.findInstall(cfg.openclaw.bin);
      const stateDir = deps.openclaw.locate(cfg, target).stateDir;
      const i = await deps.openclaw.inspect({
        config: cfg,
        nowMs: deps.now(),
        lastGood: await deps.stateStore.loadLastGood(stateDir),
        install,
        target,
        killSwitchFile: killSwitchPath(cfg.remediation, deps.dataDir),
      });
      install = i.install;
      return i;
    };
  };

  /** The states this config watches, each once, in discovery order. */
  const resolve = (config: Config): { target: InstanceTarget; stateDir: string; name: string }[] => {
    const seen = new Set<string>();
    const out: { target: InstanceTarget; stateDir: string; name: string }[] = [];
    for (const target of deps.discover?.(config) ?? [{}]) {
      const location = deps.openclaw.locate(config, target);
      if (seen.has(location.stateDir)) continue;
      seen.add(location.stateDir);
      out.push({ target, stateDir: location.stateDir, name: instanceName(location) });
    }
    return out;
  };

  const lockError = async (stateDir: string) =>
    new DaemonLockError(
      `another scope-watchdog already watches the OpenClaw state ${stateDir} (lock in ${await deps.locks.dir()}); stop it first (systemctl --user stop openclaw-scope-watchdog), or point this one at another state`,
    );

  /** What the notifier sees: this evaluation's findings and every other watched state's latest ones. */
  const notifyWith = (e: Evaluation | null, from: Instance | null): Promise<void> => {
    if (!notifier) return Promise.resolve();
    const findings = [...instances.values()].flatMap((i) =>
      i === from && e ? e.findings : (i.latest?.findings ?? []),
    );
    return notifier.onEvaluation({ findings, inspection: e?.inspection ?? null });
  };

  const onPassFor =
    (inst: () => Instance | undefined) =>
    (report: PassReport): void => {
      const i = inst();
      if (i) recordPass(i, report, deps.now());
    };

  /** The log files the other watched states follow (a shared one needs its lines told apart). */
  const logPeersOf = (self: () => Instance | undefined) => () => {
    const others = [...instances.values()].filter((i) => i !== self()).map((i) => i.daemon.status());
    return {
      sharedFiles: new Set(others.flatMap((s) => (s.logStats?.file ? [s.logStats.file] : []))),
      undecided: others.some((s) => s.logStats === null && (s.mode === "starting" || s.mode === "watching")),
    };
  };

  /** Builds one watched state (not started), with the daemon lock it was given. */
  const build = (r: { target: InstanceTarget; stateDir: string; name: string }, lock: HeldLock): Instance => {
    let self: Instance | undefined;
    const me = () => self;
    const tracker = createStatusTracker({ now: deps.now, version: VERSION });
    const m = createMetrics({ version: VERSION, startedAtMs: deps.now() });
    const remediator = remediatorFor(cfg, inspector(r.target), { onPass: onPassFor(me) });
    const log = logger.child({ profile: r.name });
    const followers: { name: string; run: (e: Evaluation) => Promise<void> | void }[] = [
      {
        name: "status",
        run: (e) => {
          tracker.observeEvaluation(e);
          m.observeEvaluation(e);
        },
      },
      { name: "notify", run: (e) => notifyWith(e, self ?? null) },
      // starts a pass in the background for opened/escalated remediable incidents; never blocks evaluation
      { name: "remediation", run: (e) => remediator.onEvaluation(e) },
    ];
    const daemon = new Daemon(current, {
      ...deps,
      logger: log,
      target: r.target,
      logPeers: logPeersOf(me),
      onEvaluated: async (e) => {
        if (self) self.latest = e;
        await Promise.all(
          followers.map(async (f) => {
            try {
              await f.run(e);
            } catch (err) {
              log.error({ err: errorMessage(err), component: f.name }, "follow-up action failed");
            }
          }),
        );
        await deps.onEvaluated?.(e);
      },
      onReload: (next) => remediator.reconfigure(next.config.remediation),
    });
    self = {
      name: r.name,
      stateDir: r.stateDir,
      target: r.target,
      daemon,
      tracker,
      metrics: m,
      remediator,
      lock,
      latest: null,
    };
    return self;
  };

  const dispose = async (i: Instance): Promise<void> => {
    instances.delete(i.stateDir);
    await i.daemon.stop();
    await i.remediator.stop();
    await i.lock.release();
  };

  /**
   * Watches the states the config names now: starts the new ones (whose daemon lock it can take; a state another
   * watchdog holds is skipped with a warning, or refused with `strict`), stops the ones no longer named.
   */
  const apply = async (strict: boolean): Promise<void> => {
    const wanted = resolve(cfg);
    const keep = new Set(wanted.map((w) => w.stateDir));
    for (const i of [...instances.values()]) if (!keep.has(i.stateDir)) await dispose(i);
    for (const w of wanted) {
      if (instances.has(w.stateDir) || stopping) continue;
      const lock = await deps.locks.daemon(w.stateDir);
      if (!lock) {
        const err = await lockError(w.stateDir);
        if (strict) throw err;
        logger.warn({ stateDir: w.stateDir, profile: w.name }, `${err.message}; not watching it here`);
        continue;
      }
      const inst = build(w, lock);
      instances.set(w.stateDir, inst);
      if (wanted.length > 1 || instances.size > 1)
        logger.info({ stateDir: w.stateDir, profile: w.name }, "watching an OpenClaw profile");
      try {
        await inst.daemon.start();
      } catch (err) {
        await dispose(inst);
        throw err;
      }
    }
    // stopped meanwhile (a signal during start): nothing to refuse
    if (instances.size === 0 && !stopping) throw await lockError(wanted.map((w) => w.stateDir).join(", "));
  };

  let rediscovering: Promise<void> | null = null;
  let again = false;
  /** Picks up profiles created or removed while running (a request during a run runs once more); never throws. */
  const rediscover = (): Promise<void> => {
    if (rediscovering) {
      again = true;
      return rediscovering;
    }
    rediscovering = (async () => {
      do {
        again = false;
        await apply(false)
          .then(() => notifyWith(null, null))
          .catch((err: unknown) =>
            logger.error({ err: errorMessage(err) }, "cannot update the watched profiles"),
          );
      } while (again && !stopping);
    })().finally(() => {
      rediscovering = null;
    });
    return rediscovering;
  };

  let endpoints: Endpoint[] = [];
  let background: (Stoppable | { stop(): Promise<void> })[] = [];
  const stopAll = async () => {
    const bg = background;
    background = [];
    await Promise.all(bg.map((b) => b.stop()));
    await rediscovering;
    for (const i of [...instances.values()]) await dispose(i);
    await notifier?.stop();
    const eps = endpoints;
    endpoints = [];
    await Promise.all(eps.map((e) => e.stop()));
  };

  const status = (): StatusReport =>
    combineReports(
      [...instances.values()].map((i) => ({ name: i.name, report: i.tracker.report(i.daemon.status()) })),
    );

  /** Starts the notifier, the endpoints and every watched state; a stop during it waits for it, then undoes it. */
  const startAll = async (): Promise<void> => {
    logger.info(
      { config: loaded.file ?? "(defaults)", dataDir: deps.dataDir },
      "openclaw-scope-watchdog starting",
    );
    notifier = deps.createNotifier({
      config: cfg.notify,
      secrets,
      // notify-state.json in the data dir: a restart neither tells an open incident again nor loses a recovery
      store: {
        load: () => deps.stateStore.loadNotifyState(),
        save: (state) => deps.stateStore.saveNotifyState(state, deps.now()),
      },
      onDispatched: (d) => recordDispatch(metrics, first()?.tracker, d, deps.now()),
      onSuppressed: () => metrics.countNotification("all", "suppressed"),
      // Approve and Details buttons on notifications about a request that passes the guards
      approvals: createApprovals({
        now: deps.now,
        logger,
        dataDir: deps.dataDir,
        runner: deps.runner,
        env: deps.env,
        configFile: () => current.file,
        secrets,
        target: (stateDir) =>
          stateDir === undefined && instances.size === 1 ? first() : instances.get(stateDir ?? ""),
        notifier: () => notifier,
      }),
    });
    // the status socket and the metrics endpoint are read at start only (SIGHUP does not move them)
    const statusEndpoint = deps.createStatusEndpoint(status);
    const metricsEndpoint = deps.createMetricsEndpoint(
      combineProfiles(metrics, () => new Map([...instances.values()].map((i) => [i.name, i.metrics]))),
      () => {
        for (const i of instances.values()) i.metrics.observeStatus(i.daemon.status());
      },
    );
    endpoints = [statusEndpoint, metricsEndpoint].filter((e): e is Endpoint => e !== null);
    try {
      // another watchdog answering on the status socket, or on every state this one would watch: refuse to run
      for (const e of endpoints) await e.start();
      // watch the home folder before looking into it: a profile created meanwhile is not missed
      const watcher = deps.watchProfiles?.(() => void rediscover());
      if (watcher) background.push(watcher);
      await watcher?.ready;
      await apply(true);
      if (deps.discover) background.push(deps.schedule(cfg.reconcile.schedule, rediscover));
    } catch (err) {
      // undo what started (a stop() waiting for this start then finds nothing left to stop)
      stopping ??= Promise.resolve();
      await stopAll();
      throw err;
    }
  };

  const placeholder = resolve(cfg)[0];
  return {
    get daemon() {
      const d = first()?.daemon;
      if (!d)
        throw new Error(`the watchdog watches no OpenClaw state yet (${placeholder?.stateDir ?? "none"})`);
      return d;
    },
    daemons: () => new Map([...instances.values()].map((i) => [i.name, i.daemon])),
    get stopped() {
      return stopping !== null;
    },
    status,
    secrets,
    targets: () => resolve(cfg).map((r) => r.target),
    async fixOnce(req) {
      const remediator = remediatorFor(cfg, inspector(req), {
        ...(req.dryRun ? { dryRun: true } : {}),
        ...(req.retryDelayMs !== undefined ? { retryDelayMs: req.retryDelayMs } : {}),
        ...(req.killGraceMs !== undefined ? { killGraceMs: req.killGraceMs } : {}),
      });
      try {
        return await remediator.runOnce();
      } finally {
        await remediator.stop();
      }
    },
    start() {
      starting ??= startAll();
      return starting;
    },
    async reload() {
      if (stopping) return false;
      let next: LoadedConfig;
      try {
        next = await deps.loadConfig();
      } catch (err) {
        logger.error({ err: errorMessage(err) }, "new configuration rejected; keeping the running one");
        return false;
      }
      // a reload that moves the watchdog onto a state another watchdog holds is refused, and the running one kept
      const wanted = resolve(next.config).filter((w) => !instances.has(w.stateDir));
      const taken: HeldLock[] = [];
      for (const w of wanted) {
        const lock = await deps.locks.daemon(w.stateDir);
        if (!lock) {
          for (const t of taken) await t.release();
          logger.error(
            { err: (await lockError(w.stateDir)).message },
            "new configuration rejected; keeping the running one",
          );
          return false;
        }
        taken.push(lock);
      }
      for (const t of taken) await t.release();
      current = next;
      cfg = next.config;
      notifier?.reconfigure(cfg.notify);
      const stay = new Set(resolve(cfg).map((w) => w.stateDir));
      for (const i of [...instances.values()]) if (stay.has(i.stateDir)) await i.daemon.reload(next);
      await rediscover();
      return true;
    },
    stop() {
      stopping ??= (async () => {
        await starting?.catch(() => undefined);
        await stopAll();
        logger.info("openclaw-scope-watchdog stopped");
      })();
      return stopping;
    },
  };
}
