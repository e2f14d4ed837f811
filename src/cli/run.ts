// `scope-watchdog run`: the daemon in the foreground (systemd runs this). Signals are handled here only.

import { createNotifier } from "../actions/notify/notifier.js";
import { resolveDataDir } from "../actions/state-store.js";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { Daemon, type Evaluation } from "../daemon/daemon.js";
import { createDefaultDeps } from "../daemon/deps.js";
import { createDaemonLogger } from "../daemon/logger.js";
import type { Logger } from "../log.js";
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

/** An action that follows every evaluation (notify, heal, metrics) and takes new config on reload. */
interface Follower {
  name: string;
  onEvaluation(e: Evaluation): Promise<void>;
  reconfigure?(config: Config): void;
  stop(): Promise<void>;
}

function fanOut(followers: Follower[], logger: Logger): (e: Evaluation) => Promise<void> {
  return async (e) => {
    await Promise.all(
      followers.map((f) =>
        f
          .onEvaluation(e)
          .catch((err: unknown) =>
            logger.error({ err: String(err), component: f.name }, "follow-up action failed"),
          ),
      ),
    );
  };
}

/** Starts the daemon and wires SIGINT/SIGTERM (stop) and SIGHUP (reload) of `proc`. */
export async function startRun(
  opts: RunOptions,
  io: Io,
  proc: NodeJS.EventEmitter = process,
): Promise<RunHandle> {
  const loaded = await loadConfig({ flag: opts.config, env: io.env, home: io.home });
  const cfg = loaded.config;
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
  const notifier = createNotifier({
    config: cfg.notify,
    logger: logger.child({ component: "notify" }),
    dataDir,
    env: io.env,
    secrets,
  });
  const followers: Follower[] = [
    {
      name: "notify",
      onEvaluation: (e) => notifier.onEvaluation(e),
      reconfigure: (c) => notifier.reconfigure(c.notify),
      stop: () => notifier.stop(),
    },
  ];
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
      for (const f of followers) f.reconfigure?.(next.config);
    },
  });
  const d = daemon;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => {
    resolveDone = r;
  });
  const onStop = (signal: string) => {
    if (d.stopped) return; // a second signal while stopping is ignored
    logger.info({ signal }, "stopping");
    void d
      .stop()
      .then(() => Promise.all(followers.map((f) => f.stop())))
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
  await d.start();
  return { daemon: d, done };
}

export async function runDaemon(opts: RunOptions, io: Io): Promise<number> {
  const handle = await startRun(opts, io);
  return handle.done;
}
