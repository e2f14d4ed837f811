// `scope-watchdog run`: the daemon in the foreground (systemd runs this). The watchdog is wired in daemon/watchdog.ts;
// this file owns only what belongs to the process: the log's sink and style, and the signals.

import { resolveDataDir } from "../actions/state-store.js";
import { loadConfig } from "../config/load.js";
import { createDefaultDeps } from "../daemon/deps.js";
import { createDaemonLogger } from "../daemon/logger.js";
import { createWatchdog, DaemonLockError, type Watchdog } from "../daemon/watchdog.js";
import { EXIT, type Io, print } from "./io.js";
import { colourWanted } from "./style.js";

export interface RunOptions {
  config?: string;
}

export interface RunHandle {
  watchdog: Watchdog;
  /** Resolves with the exit code once the watchdog has stopped. */
  done: Promise<number>;
}

/** Starts the watchdog and wires SIGINT/SIGTERM (stop) and SIGHUP (reload) of `proc`. */
export async function startRun(
  opts: RunOptions,
  io: Io,
  proc: NodeJS.EventEmitter = process,
): Promise<RunHandle> {
  const loaded = await loadConfig({ flag: opts.config, env: io.env, home: io.home });
  const cfg = loaded.config;
  const tty = Boolean(io.stdout.isTTY);
  let watchdog: Watchdog | undefined;
  const secrets = () => watchdog?.secrets() ?? [];
  const logger = createDaemonLogger({
    level: cfg.log.level,
    pretty: cfg.log.format === "pretty" || (cfg.log.format === "auto" && tty),
    colour: colourWanted(io.env, tty),
    sink: io.stdout,
    getSecrets: secrets,
  });
  const w = createWatchdog(
    loaded,
    createDefaultDeps({
      config: loaded,
      configFlag: opts.config,
      env: io.env,
      home: io.home,
      logger,
      dataDir: resolveDataDir(cfg.dataDir, io.env, io.home),
      secrets,
    }),
  );
  watchdog = w;

  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => {
    resolveDone = r;
  });
  const onStop = (signal: string) => {
    if (w.stopped) return; // a second signal while stopping is ignored
    logger.info({ signal }, "stopping");
    void w.stop().then(() => resolveDone(EXIT.ok));
  };
  const onHup = () => {
    void w.reload();
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
    await w.start();
  } catch (err) {
    proc.off("SIGINT", sigint);
    proc.off("SIGTERM", sigterm);
    proc.off("SIGHUP", onHup);
    throw err;
  }
  return { watchdog: w, done };
}

export async function runDaemon(opts: RunOptions, io: Io): Promise<number> {
  let handle: RunHandle;
  try {
    handle = await startRun(opts, io);
  } catch (err) {
    // another daemon on the same OpenClaw state: one line, not a stack (main.ts prints others by name)
    if (!(err instanceof DaemonLockError)) throw err;
    print(io.stderr, `scope-watchdog: ${err.message}`);
    return EXIT.failed;
  }
  return handle.done;
}
