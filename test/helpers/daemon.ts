// Runs a real Daemon (real watchers, real files, real cron) with its log captured as parsed records.

import path from "node:path";
import { expect, onTestFinished } from "vitest";
import { resolveDataDir } from "../../src/actions/state-store.js";
import type { LoadedConfig } from "../../src/config/load.js";
import { validateConfig } from "../../src/config/validate.js";
import { Daemon, type DaemonDeps } from "../../src/daemon/daemon.js";
import { createDefaultDeps } from "../../src/daemon/deps.js";
import { createDaemonLogger } from "../../src/daemon/logger.js";
import type { Evaluation } from "../../src/policy/evaluation.js";

export interface LogRecord {
  level: number;
  msg: string;
  code?: string;
  [key: string]: unknown;
}

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
  const raw: string[] = [];
  const records: LogRecord[] = [];
  let daemon: Daemon | undefined;
  const logger = createDaemonLogger({
    level: "debug",
    pretty: false,
    colour: false,
    sink: {
      write(line: string) {
        raw.push(line);
        records.push(JSON.parse(line) as LogRecord);
      },
    },
    getSecrets: () => daemon?.secrets() ?? [],
  });
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
    records,
    raw,
    evaluations,
    dataDir,
    async waitForLog(match, timeoutMs = 5_000) {
      let found: LogRecord | undefined;
      await expect
        .poll(() => (found = records.find(match)), { timeout: timeoutMs, interval: 20 })
        .toBeDefined();
      if (!found) throw new Error("unreachable");
      return found;
    },
  };
}
