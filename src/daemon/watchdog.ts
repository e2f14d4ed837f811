// The composition root: the one place where the watchdog is wired. The daemon evaluates; the followers act on
// each evaluation (status and metrics, notifications, healing); the status socket and the metrics endpoint
// answer from them. `run` starts it all; `fix` runs one remediation pass through the same wiring.
// Every real dependency comes in through WatchdogDeps (daemon/deps.ts builds the real ones; tests pass fakes).

import type { HeldLock, MachineLocks } from "../actions/locks.js";
import type { Notifier, NotifierOptions } from "../actions/notify/notifier.js";
import type { ProcessRunner } from "../actions/process-runner.js";
import type { AuditLog } from "../actions/remediate/audit-log.js";
import { killSwitchPath } from "../actions/remediate/kill-switch.js";
import type { Ledger } from "../actions/remediate/ledger.js";
import { createRemediator, type PassReport, type Remediator } from "../actions/remediate/run.js";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import { VERSION } from "../common/version.js";
import type { LoadedConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { Inspection } from "../detect/inspection.js";
import type { Evaluation } from "../policy/evaluation.js";
import { Daemon } from "./daemon.js";
import { createMetrics, type RemediationOutcome, type WatchdogMetrics } from "./metrics.js";
import type { DaemonDeps, OpenClawTarget } from "./ports.js";
import type { StatusReport } from "./status-report.js";
import { createStatusTracker } from "./status-report.js";

/** An endpoint the watchdog serves while it runs (the status socket, the metrics listener). */
export interface Endpoint {
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

/** Everything the watchdog needs from the world. */
export interface WatchdogDeps extends Omit<DaemonDeps, "onReload"> {
  /** The watchdog's own data folder (audit log, silences, last good state, incidents, notification state). */
  dataDir: string;
  /** Runs the `openclaw` CLI for healing. */
  runner: ProcessRunner;
  /** Where remediation decisions and commands are recorded (default: audit.jsonl in the data dir). */
  audit?: AuditLog;
  /** The attempts the remediation bounds count (default: remediation-ledger.json in the data dir). */
  ledger?: Ledger;
  /** The machine-wide locks: one remediation pass and one daemon per OpenClaw state. */
  locks: MachineLocks;
  /** The notifier with its channels. */
  createNotifier(
    o: Pick<NotifierOptions, "config" | "secrets" | "onDispatched" | "onSuppressed" | "store">,
  ): Notifier;
  /** The status socket, answering with `getStatus()`; null when there is none. */
  createStatusEndpoint(getStatus: () => StatusReport): Endpoint | null;
  /** The metrics listener (only when `metrics.listen` is set); null otherwise. */
  createMetricsEndpoint(metrics: WatchdogMetrics, collect: () => void): Endpoint | null;
}

export interface FixRequest extends OpenClawTarget {
  dryRun?: boolean;
  /** Test seams for the CLI's retry pause and kill grace. */
  retryDelayMs?: number;
  killGraceMs?: number;
}

export interface Watchdog {
  /** One remediation pass (`scope-watchdog fix`) without starting the daemon. */
  fixOnce(req: FixRequest): Promise<PassReport>;
  /** Starts the endpoints (refusing to run twice), the followers and the daemon. */
  start(): Promise<void>;
  /** Re-reads the config (SIGHUP); a bad file is reported and the running one kept. */
  reload(): Promise<boolean>;
  /** Stops everything; idempotent. */
  stop(): Promise<void>;
  readonly stopped: boolean;
  /** What `status` shows. */
  status(): StatusReport;
  /** The secrets the watchdog knows, for scrubbing its output. */
  secrets(): string[];
  /** The daemon, for tests and the CLI's signal handling. */
  readonly daemon: Daemon;
}

/** Another daemon already watches this OpenClaw state: this one refuses to start (one clear line). */
export class DaemonLockError extends Error {
  override readonly name = "DaemonLockError";
}

/** An action that follows every evaluation and takes the new config on reload. */
interface Follower {
  name: string;
  onEvaluation(e: Evaluation): Promise<void> | void;
  reconfigure?(config: Config): void;
  stop(): Promise<void>;
}

/** The metrics' outcome of a remediation decision that acted (approve or request-repair). */
function remediationOutcome(status: string, healed: boolean): RemediationOutcome {
  if (healed) return "succeeded";
  if (status === "dry-run") return "dry-run";
  if (status === "skipped" || status === "refused") return "skipped";
  return "failed";
}

function fanOut(followers: Follower[], logger: Logger): (e: Evaluation) => Promise<void> {
  return async (e) => {
    await Promise.all(
      followers.map(async (f) => {
        try {
          await f.onEvaluation(e);
        } catch (err) {
          logger.error({ err: errorMessage(err), component: f.name }, "follow-up action failed");
        }
      }),
    );
  };
}

export function createWatchdog(loaded: LoadedConfig, deps: WatchdogDeps): Watchdog {
  let cfg = loaded.config;
  const logger = deps.logger;
  const tracker = createStatusTracker({ now: deps.now, version: VERSION });
  const metrics = createMetrics({ version: VERSION, startedAtMs: deps.now() });
  let daemon: Daemon | undefined;
  const secrets = (): string[] => daemon?.secrets() ?? [];

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

  const notifier = (): Notifier =>
    deps.createNotifier({
      config: cfg.notify,
      secrets,
      // notify-state.json in the data dir: a restart neither tells an open incident again nor loses a recovery
      store: {
        load: () => deps.stateStore.loadNotifyState(),
        save: (state) => deps.stateStore.saveNotifyState(state, deps.now()),
      },
      onDispatched: ({ kind, outcome }) => {
        for (const channel of outcome.delivered) {
          metrics.countNotification(channel, "sent");
          tracker.recordAction({
            atMs: deps.now(),
            kind: "notification",
            action: kind,
            outcome: "sent",
            channel,
          });
        }
        for (const f of outcome.failed) {
          metrics.countNotification(f.channel, "failed");
          tracker.recordAction({
            atMs: deps.now(),
            kind: "notification",
            action: kind,
            outcome: "failed",
            channel: f.channel,
            detail: f.reason,
          });
        }
      },
      onSuppressed: () => metrics.countNotification("all", "suppressed"),
    });

  const onPass = (report: PassReport): void => {
    for (const d of report.decisions) {
      const outcome = d.outcome;
      tracker.recordAction({
        atMs: deps.now(),
        kind: "remediation",
        action: d.action,
        outcome: outcome?.status ?? "decided",
        ...(d.requestId ? { requestId: d.requestId } : {}),
        ...(outcome?.message ? { detail: outcome.message } : {}),
      });
      if ((d.action === "approve" || d.action === "request-repair") && outcome) {
        metrics.countRemediation(remediationOutcome(outcome.status, outcome.healed === true));
      }
    }
    // the kill switch was engaged: evaluate now, so the critical finding and its notification do not wait
    if (report.decisions.some((d) => d.outcome?.status === "halted")) daemon?.trigger("remediation:halted");
  };

  /** The daemon lock on the watched state dir, held from start to stop (and moved by a reload). */
  let daemonLock: { stateDir: string; held: HeldLock } | null = null;
  const takeDaemonLock = async (config: Config): Promise<void> => {
    const stateDir = deps.openclaw.locate(config).stateDir;
    if (daemonLock?.stateDir === stateDir) return;
    const held = await deps.locks.daemon(stateDir);
    if (!held)
      throw new DaemonLockError(
        `another scope-watchdog already watches the OpenClaw state ${stateDir} (lock in ${await deps.locks.dir()}); stop it first (systemctl --user stop openclaw-scope-watchdog), or point this one at another state`,
      );
    await daemonLock?.held.release();
    daemonLock = { stateDir, held };
  };
  const releaseDaemonLock = async (): Promise<void> => {
    const held = daemonLock?.held;
    daemonLock = null;
    await held?.release();
  };

  let followers: Follower[] = [];
  let endpoints: Endpoint[] = [];
  const stopFollowers = async () => {
    const all = followers;
    followers = [];
    await Promise.all(all.map((f) => f.stop()));
  };
  const stopEndpoints = async () => {
    const all = endpoints;
    endpoints = [];
    await Promise.all(all.map((e) => e.stop()));
  };

  daemon = new Daemon(loaded, {
    ...deps,
    // a reload that moves the daemon to a state another daemon watches is refused, and the running one kept
    loadConfig: async () => {
      const next = await deps.loadConfig();
      await takeDaemonLock(next.config);
      return next;
    },
    // the followers act on every evaluation; deps.onEvaluated (tests) sees it after them
    onEvaluated: async (e) => {
      await fanOut(followers, logger)(e);
      await deps.onEvaluated?.(e);
    },
    onReload: (next) => {
      cfg = next.config;
      for (const f of followers) f.reconfigure?.(next.config);
    },
  });
  const d = daemon;
  const status = (): StatusReport => tracker.report(d.status());
  let stopping: Promise<void> | null = null;

  return {
    daemon: d,
    get stopped() {
      return d.stopped;
    },
    status,
    secrets,
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
    async start() {
      logger.info(
        { config: loaded.file ?? "(defaults)", dataDir: deps.dataDir },
        "openclaw-scope-watchdog starting",
      );
      const n = notifier();
      const r = remediatorFor(cfg, inspector(), { onPass });
      followers = [
        {
          name: "status",
          onEvaluation: (e) => {
            tracker.observeEvaluation(e);
            metrics.observeEvaluation(e);
          },
          stop: async () => {},
        },
        {
          name: "notify",
          onEvaluation: (e) => n.onEvaluation(e),
          reconfigure: (c) => n.reconfigure(c.notify),
          stop: () => n.stop(),
        },
        {
          name: "remediation",
          // starts a pass in the background for opened/escalated remediable incidents; never blocks evaluation
          onEvaluation: (e) => r.onEvaluation(e),
          reconfigure: (c) => r.reconfigure(c.remediation),
          stop: () => r.stop(),
        },
      ];
      // the status socket and the metrics endpoint are read at start only (SIGHUP does not move them)
      const statusEndpoint = deps.createStatusEndpoint(status);
      const metricsEndpoint = deps.createMetricsEndpoint(metrics, () => metrics.observeStatus(d.status()));
      endpoints = [statusEndpoint, metricsEndpoint].filter((e): e is Endpoint => e !== null);
      try {
        // another daemon on the same OpenClaw state, or answering on the status socket: refuse to run twice
        await takeDaemonLock(cfg);
        for (const e of endpoints) await e.start();
        await d.start();
      } catch (err) {
        await d.stop();
        await stopFollowers();
        await stopEndpoints();
        await releaseDaemonLock();
        throw err;
      }
    },
    reload: () => d.reload(),
    stop() {
      stopping ??= (async () => {
        await d.stop();
        await stopFollowers();
        await stopEndpoints();
        await releaseDaemonLock();
        logger.info("openclaw-scope-watchdog stopped");
      })();
      return stopping;
    },
  };
}
