// Runs a real Daemon (real watchers, real files, real cron) with its log captured as parsed records.

import path from "node:path";
import { onTestFinished } from "vitest";
import { resolveDataDir } from "../../src/actions/state-store.js";
import { type LoadedConfig, validateConfig } from "../../src/config/load.js";
import { Daemon, type DaemonDeps } from "../../src/daemon/daemon.js";
import { createDefaultDeps } from "../../src/daemon/deps.js";
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

export async function startTestDaemon(opts: {
  root: string;
  config: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  deps?: Partial<DaemonDeps>;
  configFile?: string;
}): Promise<TestDaemon> {
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
  let daemon: Daemon | undefined;
  const log = captureLog({ secrets: () => daemon?.secrets() ?? [] });
  const logger = log.logger;
  const dataDir = resolveDataDir(v.config.dataDir, env, env.HOME);
  const evaluations: Evaluation[] = [];
  const deps: DaemonDeps = {
    ...createDefaultDeps({
      config: loaded,
      configFlag: opts.configFile,
      env,
      home: env.HOME,
      logger,
      dataDir,
    }),
    onEvaluated: (e) => {
      evaluations.push(e);
    },
    ...opts.deps,
  };
  daemon = new Daemon(loaded, deps);
  const d = daemon;
  onTestFinished(() => d.stop());
  await d.start();
  return {
    daemon: d,
    records: log.records,
    raw: log.raw,
    evaluations,
    dataDir,
    waitForLog: log.waitFor,
  };
}
