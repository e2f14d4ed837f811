// `scope-watchdog run`: the daemon in the foreground (systemd runs this), with the actions that follow each
// evaluation (notify, heal), the status socket and the optional metrics endpoint. Signals are handled here only.

import path from "node:path";
import { createNotifier } from "../actions/notify/notifier.js";
import { createProcessRunner } from "../actions/remediate/openclaw-cli.js";
import { createRemediator, type PassReport } from "../actions/remediate/run.js";
import { resolveDataDir } from "../actions/state-store.js";
import type { Logger } from "../common/log.js";
import { VERSION } from "../common/version.js";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { parseListen } from "../config/schema-service.js";
import { Daemon } from "../daemon/daemon.js";
import { createDefaultDeps } from "../daemon/deps.js";
import { inspectOpenClaw } from "../daemon/inspect.js";
import { createDaemonLogger } from "../daemon/logger.js";
import { createMetrics, createMetricsServer, type RemediationOutcome } from "../daemon/metrics.js";
import { createStatusServer, createStatusTracker, statusSocketCandidates } from "../daemon/status-server.js";
import type { Evaluation } from "../policy/evaluation.js";
import { EXIT, type Io } from "./io.js";
import { colourWanted } from "./style.js";

export interface RunOptions {
  config?: string;
}

export interface RunHandle {
  daemon: Daemon;
  /** Resolves with the exit code once the daemon has stopped. */
  done: Promise<number>;
}

/** An action that follows every evaluation (notify, heal, status) and takes the new config on reload. */
interface Follower {
  name: string;
  onEvaluation(e: Evaluation): Promise<void> | void;
  reconfigure?(config: Config): void;
  stop(): Promise<void>;
}

function fanOut(followers: Follower[], logger: Logger): (e: Evaluation) => Promise<void> {
  return async (e) => {
    await Promise.all(
      followers.map(async (f) => {
        try {
          await f.onEvaluation(e);
        } catch (err) {
          logger.error({ err: String(err), component: f.name }, "follow-up action failed");
        }
      }),
    );
  };
}

/** The metrics' outcome of a remediation decision that acted (approve or request-repair). */
function remediationOutcome(status: string, healed: boolean): RemediationOutcome {
  if (healed) return "succeeded";
  if (status === "dry-run") return "dry-run";
  if (status === "skipped" || status === "refused") return "skipped";
  return "failed";
}

/** Starts the daemon and wires SIGINT/SIGTERM (stop) and SIGHUP (reload) of `proc`. */
export async function startRun(
  opts: RunOptions,
  io: Io,
  proc: NodeJS.EventEmitter = process,
): Promise<RunHandle> {
  const loaded = await loadConfig({ flag: opts.config, env: io.env, home: io.home });
  let cfg = loaded.config;
  const tty = Boolean(io.stdout.isTTY);
  let daemon: Daemon | undefined;
  const secrets = () => daemon?.secrets() ?? [];
  const logger = createDaemonLogger({
    level: cfg.log.level,
    pretty: cfg.log.format === "pretty" || (cfg.log.format === "auto" && tty),
    colour: colourWanted(io.env, tty),
    sink: io.stdout,
    getSecrets: secrets,
  });
  const dataDir = resolveDataDir(cfg.dataDir, io.env, io.home);
  const tracker = createStatusTracker({ now: Date.now, version: VERSION });
  const metrics = createMetrics({ version: VERSION, startedAtMs: Date.now() });

  const notifier = createNotifier({
    config: cfg.notify,
    logger,
    dataDir,
    env: io.env,
    secrets,
    onDispatched: ({ kind, outcome }) => {
      for (const channel of outcome.delivered) {
        metrics.countNotification(channel, "sent");
        tracker.recordAction({
          atMs: Date.now(),
          kind: "notification",
          action: kind,
          outcome: "sent",
          channel,
        });
      }
      for (const f of outcome.failed) {
        metrics.countNotification(f.channel, "failed");
        tracker.recordAction({
          atMs: Date.now(),
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
  const remediator = createRemediator({
    config: cfg,
    logger,
    dataDir,
    now: Date.now,
    inspect: () => inspectOpenClaw({ config: cfg, env: io.env, nowMs: Date.now() }),
    runner: createProcessRunner(),
    env: io.env,
    onPass: (report: PassReport) => {
      for (const d of report.decisions) {
        const outcome = d.outcome;
        tracker.recordAction({
          atMs: Date.now(),
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
    },
  });
  const followers: Follower[] = [
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
      onEvaluation: (e) => notifier.onEvaluation(e),
      reconfigure: (c) => notifier.reconfigure(c.notify),
      stop: () => notifier.stop(),
    },
    {
      name: "remediation",
      // starts a pass in the background for opened/escalated remediable incidents; never blocks evaluation
      onEvaluation: (e) => remediator.onEvaluation(e),
      reconfigure: (c) => remediator.reconfigure(c),
      stop: () => remediator.stop(),
    },
  ];
  const stopFollowers = () => Promise.all(followers.map((f) => f.stop())).then(() => undefined);

  daemon = new Daemon(loaded, {
    ...createDefaultDeps({
      config: loaded,
      configFlag: opts.config,
      env: io.env,
      home: io.home,
      logger,
      dataDir,
    }),
    onEvaluated: fanOut(followers, logger),
    onReload: (next) => {
      cfg = next.config;
      for (const f of followers) f.reconfigure?.(next.config);
    },
  });
  const d = daemon;

  // the status socket and the metrics endpoint are read at start only (SIGHUP does not move them)
  const [socketPath = path.join(dataDir, "status.sock")] = statusSocketCandidates(
    cfg.status.socket,
    io.env,
    dataDir,
    io.home,
  );
  const statusServer = createStatusServer({
    socketPath,
    getStatus: () => tracker.report(d.status()),
    logger: logger.child({ component: "status" }),
    ownFolder: cfg.status.socket === null,
    secrets,
  });
  const listen = cfg.metrics.listen ? parseListen(cfg.metrics.listen) : null;
  const metricsServer = listen?.ok
    ? createMetricsServer({
        listen: listen.address,
        metrics,
        collect: () => metrics.observeStatus(d.status()),
        logger: logger.child({ component: "metrics" }),
      })
    : null;
  const stopEndpoints = () => Promise.all([statusServer.stop(), metricsServer?.stop()]).then(() => undefined);
  try {
    await statusServer.start(); // another watchdog answering here: refuse to run twice
    await metricsServer?.start();
  } catch (err) {
    await stopEndpoints();
    await stopFollowers();
    throw err;
  }

  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => {
    resolveDone = r;
  });
  const onStop = (signal: string) => {
    if (d.stopped) return; // a second signal while stopping is ignored
    logger.info({ signal }, "stopping");
    void d
      .stop()
      .then(stopFollowers)
      .then(stopEndpoints)
      .then(() => resolveDone(EXIT.ok));
  };
  const onHup = () => {
    void d.reload();
  };
  const sigint = () => onStop("SIGINT");
  const sigterm = () => onStop("SIGTERM");
  proc.on("SIGINT", sigint);
  proc.on("SIGTERM", sigterm);
  proc.on("SIGHUP", onHup);
  void done.then(() => {
    proc.off("SIGINT", sigint);
    proc.off("SIGTERM", sigterm);
    proc.off("SIGHUP", onHup);
  });
  try {
    await d.start();
  } catch (err) {
    await d.stop();
    await stopFollowers();
    await stopEndpoints();
    throw err;
  }
  return { daemon: d, done };
}

export async function runDaemon(opts: RunOptions, io: Io): Promise<number> {
  const handle = await startRun(opts, io);
  return handle.done;
}
