// The composition root's real dependencies: the only place that builds chokidar watchers, cron tasks and
// the other adapters for the daemon.

import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { watch } from "chokidar";
import { Cron } from "croner";
import { createMachineLocks } from "../actions/locks.js";
import { createNotifier } from "../actions/notify/notifier.js";
import { createProcessRunner } from "../actions/process-runner.js";
import { createStateStore } from "../actions/state-store.js";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import { VERSION } from "../common/version.js";
import { type LoadedConfig, loadConfig } from "../config/load.js";
import { discoverInstances, resolveOpenClawHome } from "../config/openclaw-paths.js";
import { parseListen } from "../config/schema-service.js";
import { watchdogIdentityFile } from "../sources/gateway/watchdog-identity.js";
import { shouldPoll } from "../sources/host/platform.js";
import { resolveLogLocation } from "../sources/log/location.js";
import { createLogTail } from "../sources/log/tail.js";
import { createStateWatcher } from "../sources/state/watcher.js";
import type {
  ConnectionLike,
  ConnectionOptions,
  LogTailLike,
  LogTailOptions,
  Schedule,
  Stoppable,
} from "./daemon.js";
import { createOpenClawPort } from "./inspect.js";
import { createMetricsServer } from "./metrics.js";
import { createStatusServer, statusSocketCandidates } from "./status-server.js";
import type { WatchdogDeps } from "./watchdog.js";

/** Watches `parent` (depth 0) until `child` appears; if `parent` does not exist the reconcile finds it later. */
export function watchForPath(parent: string, child: string, onAppear: () => void, logger: Logger): Stoppable {
  if (!existsSync(parent)) {
    logger.info({ parent }, "parent folder does not exist either; the periodic reconcile will look again");
    return { stop: async () => {}, ready: Promise.resolve() };
  }
  const target = path.join(parent, child);
  const watcher = watch(parent, {
    depth: 0,
    ignoreInitial: true,
    ignored: (p: string) => path.resolve(p) !== path.resolve(parent) && path.resolve(p) !== target,
  });
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    onAppear();
  };
  watcher.on("addDir", (p) => {
    if (path.resolve(p) === target) fire();
  });
  // it may have appeared between the caller's check and the watch becoming active
  const ready = new Promise<void>((resolve) =>
    watcher.once("ready", () => {
      if (existsSync(target)) fire();
      resolve();
    }),
  );
  watcher.on("error", (err) =>
    logger.warn({ err: errorMessage(err) }, "cannot watch for OpenClaw's state directory"),
  );
  let stopping: Promise<void> | undefined;
  return {
    ready,
    stop() {
      stopping ??= watcher.close();
      return stopping;
    },
  };
}

/**
 * Reports (debounced) when a ~/.openclaw-<profile> folder, its openclaw.json or its identity/ appears or goes, so
 * the watchdog picks up a profile created while it runs. Only the home folder's own entries are watched.
 */
export function watchProfileFolders(home: string, onChange: () => void, logger: Logger): Stoppable {
  if (!existsSync(home)) return { stop: async () => {}, ready: Promise.resolve() };
  const relevant = (p: string): boolean => {
    const rel = path.relative(home, path.resolve(p));
    if (rel === "") return true;
    const [top, inner, ...rest] = rel.split(path.sep);
    if (!top || !/^\.openclaw(-[A-Za-z0-9_-]+)?$/.test(top) || rest.length > 0) return false;
    return inner === undefined || inner === "openclaw.json" || inner === "identity";
  };
  const watcher = watch(home, { depth: 1, ignoreInitial: true, ignored: (p: string) => !relevant(p) });
  let timer: NodeJS.Timeout | null = null;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, 300);
    timer.unref();
  };
  for (const ev of ["addDir", "unlinkDir", "add", "unlink"] as const) watcher.on(ev, fire);
  watcher.on("error", (err) =>
    logger.warn({ err: errorMessage(err) }, "cannot watch the home folder for OpenClaw profiles"),
  );
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    ready,
    stop() {
      if (timer) clearTimeout(timer);
      stopping ??= watcher.close();
      return stopping;
    },
  };
}

/**
 * A cron task (croner: the machine's local time, no Intl time-zone tables, which would cost an idle daemon about
 * 8 MB) that never overlaps itself; the task body only hands over to the daemon.
 */
export function cronSchedule(expr: string, run: () => Promise<void>, logger: Logger): Schedule {
  const task = new Cron(
    expr,
    { protect: true, catch: (err) => logger.error({ err: errorMessage(err) }, "reconcile failed") },
    run,
  );
  return {
    stop() {
      task.stop();
      return Promise.resolve();
    },
  };
}

/**
 * The watchdog's own gateway connection, when enabled. With "auto" it starts only once `scope-watchdog pair`
 * has created the watchdog's identity, so the daemon never pairs a device with operator.pairing on its own.
 */
export async function startConnection(o: ConnectionOptions, logger: Logger): Promise<ConnectionLike | null> {
  const cfg = o.config.connection;
  const file = watchdogIdentityFile(o.dataDir);
  if (cfg.enabled === false) return null;
  if (cfg.enabled === "auto" && !existsSync(file)) {
    logger.info(
      "live gateway connection off: run `scope-watchdog pair` once to see pairing events as they happen",
    );
    return null;
  }
  // loaded on demand: `ws` pulls in TLS, which costs ~13 MB of RSS a daemon without a connection does not need
  const [{ loadOrCreateWatchdogIdentity }, { createGatewayConnection }, { gatewayUrl }] = await Promise.all([
    import("../sources/gateway/watchdog-identity.js"),
    import("../sources/gateway/connection.js"),
    import("../sources/gateway/protocol.js"),
  ]);
  const { listenerRefusal } = await import("../sources/host/listener.js");
  const { identity } = await loadOrCreateWatchdogIdentity(file);
  const connection = createGatewayConnection({
    url: cfg.url ?? gatewayUrl(o.inspection.gateway.port),
    identity,
    auth: { mode: o.inspection.gateway.authMode, secret: o.inspection.gateway.secret },
    clientVersion: VERSION,
    handshakeTimeoutMs: cfg.handshakeTimeout,
    verifyListener: (url) => listenerRefusal(url),
    logger,
    onObservation: o.onObservation,
  });
  connection.start();
  return connection;
}

/** Follows the gateway's log where this OpenClaw version writes it (2026.4.24 and older ignore logging.file). */
export async function startLogTail(
  o: LogTailOptions,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<LogTailLike> {
  const location = resolveLogLocation({
    configuredLogFile: o.config.openclaw.logFile,
    openclawLoggingFile: o.inspection.gateway.logFile,
    profile: o.inspection.location.profile,
    env,
    now: Date.now(),
    tmpdir: os.tmpdir(),
    uid: process.getuid?.() ?? null,
    openclawVersion: o.inspection.install.version,
  });
  logger.info(
    { file: location.file, source: location.source },
    `following the gateway log (${location.why})`,
  );
  const tail = createLogTail({
    location,
    offsets: o.offsets,
    onObservation: o.onObservation,
    logger,
    replayWindowMs: o.config.detect.logReplayWindow,
    usePolling: shouldPoll(location.dir, o.config.watch.polling, o.wsl),
    pollIntervalMs: o.config.watch.pollInterval,
    secrets: o.secrets,
  });
  await tail.start();
  return tail;
}

export interface DefaultDepsOptions {
  config: LoadedConfig;
  configFlag: string | undefined;
  env: NodeJS.ProcessEnv;
  home: string;
  logger: Logger;
  dataDir: string;
  /** The secrets the watchdog knows, kept out of the status answers and notifications. */
  secrets?: () => readonly string[];
}

/** The real dependencies of the watchdog (createWatchdog); the only place that builds them. */
export function createDefaultDeps(o: DefaultDepsOptions): WatchdogDeps {
  const cfg = o.config.config;
  const secrets = o.secrets ?? (() => []);
  return {
    env: o.env,
    now: Date.now,
    logger: o.logger,
    dataDir: o.dataDir,
    stateStore: createStateStore(o.dataDir, o.logger.child({ component: "state" })),
    loadConfig: () => loadConfig({ flag: o.configFlag, env: o.env, home: o.home }),
    openclaw: createOpenClawPort(o.env),
    createStateWatcher,
    watchForPath: (parent, child, onAppear) => watchForPath(parent, child, onAppear, o.logger),
    schedule: (expr, run) => cronSchedule(expr, run, o.logger),
    createConnection: (opts) => startConnection(opts, o.logger),
    createLogTail: (opts) => startLogTail(opts, o.env, o.logger),
    runner: createProcessRunner(),
    locks: createMachineLocks({
      env: o.env,
      onLost: (lock, why) =>
        o.logger.error(
          { lock, err: why },
          "lost a watchdog lock: another watchdog took it over as stale (was this process suspended?)",
        ),
    }),
    discover: (config) => discoverInstances({ env: o.env, openclaw: config.openclaw }).targets,
    watchProfiles: (onChange) => watchProfileFolders(resolveOpenClawHome(o.env), onChange, o.logger),
    createNotifier: (n) => createNotifier({ ...n, logger: o.logger, dataDir: o.dataDir, env: o.env }),
    createStatusEndpoint: (getStatus) => {
      const [socketPath = path.join(o.dataDir, "status.sock")] = statusSocketCandidates(
        cfg.status.socket,
        o.env,
        o.dataDir,
        o.home,
      );
      return createStatusServer({
        socketPath,
        getStatus,
        logger: o.logger.child({ component: "status" }),
        ownFolder: cfg.status.socket === null,
        secrets,
      });
    },
    createMetricsEndpoint: (metrics, collect) => {
      const listen = cfg.metrics.listen ? parseListen(cfg.metrics.listen) : null;
      if (!listen?.ok) return null;
      return createMetricsServer({
        listen: listen.address,
        metrics,
        collect,
        logger: o.logger.child({ component: "metrics" }),
      });
    },
  };
}
