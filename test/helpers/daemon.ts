// Runs a real Daemon (real watchers, real files, real cron) with its log captured as parsed records, or the whole
// watchdog around it (createWatchdog with the real dependencies: notifier, remediator, status socket).

import path from "node:path";
import { onTestFinished } from "vitest";
import { resolveDataDir } from "../../src/actions/state-store.js";
import type { LoadedConfig } from "../../src/config/load.js";
import { validateConfig } from "../../src/config/validate.js";
import { Daemon, type DaemonDeps } from "../../src/daemon/daemon.js";
import { createDefaultDeps } from "../../src/daemon/deps.js";
import { createWatchdog, type Watchdog, type WatchdogDeps } from "../../src/daemon/watchdog.js";
import type { Evaluation } from "../../src/policy/evaluation.js";
import { captureLog, type LogRecord } from "./log-capture.js";

export type { LogRecord };

export interface TestDaemon {
  daemon: Daemon;
  records: LogRecord[];
  raw: string[];
  evaluations: Evaluation[];
  dataDir: string;
  /** Waits until a log record matches, and returns it. */
  waitForLog(match: (r: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
}

export interface TestWatchdog extends TestDaemon {
  watchdog: Watchdog;
}

interface StartOptions {
  root: string;
  config: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  configFile?: string;
  /** The clock the watchdog is given (default Date.now): a test can move it. */
  now?: () => number;
}

/** The real dependencies for a test: HOME and XDG_STATE_HOME under `root`, the log captured. */
function testDeps(opts: StartOptions, secrets: () => readonly string[]) {
  const v = validateConfig(opts.config);
  if (!v.ok) throw new Error(`bad test config: ${JSON.stringify(v.issues)}`);
  const loaded: LoadedConfig = {
    config: v.config,
    file: opts.configFile ?? null,
    source: opts.configFile ? "--config" : "defaults",
  };
  const env = {
    HOME: path.join(opts.root, "home"),
    XDG_STATE_HOME: path.join(opts.root, "xdg-state"),
    PATH: process.env.PATH,
    ...opts.env,
  };
  const log = captureLog({ secrets });
  const dataDir = resolveDataDir(v.config.dataDir, env, env.HOME);
  const evaluations: Evaluation[] = [];
  const deps: WatchdogDeps = {
    ...createDefaultDeps({
      config: loaded,
      configFlag: opts.configFile,
      env,
      home: env.HOME,
      logger: log.logger,
      dataDir,
      secrets,
    }),
    ...(opts.now ? { now: opts.now } : {}),
    onEvaluated: (e) => {
      evaluations.push(e);
    },
  };
  const result = { records: log.records, raw: log.raw, evaluations, dataDir, waitForLog: log.waitFor };
  return { loaded, deps, result };
}

export async function startTestDaemon(
  opts: StartOptions & { deps?: Partial<DaemonDeps> },
): Promise<TestDaemon> {
  let daemon: Daemon | undefined;
  const { loaded, deps, result } = testDeps(opts, () => daemon?.secrets() ?? []);
  daemon = new Daemon(loaded, { ...deps, ...opts.deps });
  const d = daemon;
  onTestFinished(() => d.stop());
  await d.start();
  return { daemon: d, ...result };
}

/** The whole watchdog on real files; stop it and start another on the same root to restart it. */
export async function startTestWatchdog(opts: StartOptions): Promise<TestWatchdog> {
  let watchdog: Watchdog | undefined;
  const { loaded, deps, result } = testDeps(opts, () => watchdog?.secrets() ?? []);
  watchdog = createWatchdog(loaded, deps);
  const w = watchdog;
  onTestFinished(() => w.stop());
  await w.start();
  return { watchdog: w, daemon: w.daemon, ...result };
}
