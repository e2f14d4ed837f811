// The daemon's ports: what it needs from the world (DaemonDeps) and what it tells it (Evaluation, DaemonStatus).

import type { MachineLocks } from "../actions/locks.js";
import type { Notifier, NotifierOptions } from "../actions/notify/notifier.js";
import type { ProcessRunner } from "../actions/process-runner.js";
import type { AuditLog } from "../actions/remediate/audit-log.js";
import type { Ledger } from "../actions/remediate/ledger.js";
import type { PassReport } from "../actions/remediate/run.js";
import type { LogOffset, StateStore } from "../actions/state-store.js";
import type { Logger } from "../common/log.js";
import type { Secret } from "../common/secret.js";
import type { LastGoodState, Observation, OpenClawInstall } from "../common/types.js";
import type { LoadedConfig } from "../config/load.js";
import type { InstanceTarget, OpenClawLocation } from "../config/openclaw-paths.js";
import type { Config } from "../config/schema.js";
import type { Inspection } from "../detect/inspection.js";
import type { LogPeers } from "../detect/local-health.js";
import type { Evaluation } from "../policy/evaluation.js";
import type { IncidentState } from "../policy/incidents.js";
import type { LogTailStats } from "../sources/log/tail.js";
import type { StateWatcher, StateWatcherOptions } from "../sources/state/watcher.js";
import type { Daemon } from "./daemon.js";
import type { WatchdogMetrics } from "./metrics.js";
import type { StatusReport } from "./status-report.js";

export interface Stoppable {
  stop(): Promise<void>;
  /** Resolves once the component is active (watchers report events from then on). */
  ready?: Promise<void>;
}

/** What the daemon needs from the gateway-log follower (src/sources/log/tail.ts). */
export interface LogTailLike extends Stoppable {
  stats(): LogTailStats;
}
export interface LogTailOptions {
  inspection: Inspection;
  config: Config;
  wsl: boolean;
  secrets: () => readonly string[];
  offsets: { load(): Promise<LogOffset | null>; save(o: LogOffset): Promise<void> };
  onObservation: (o: Observation, meta: { stale: boolean }) => void;
}

/** What the daemon needs from its own gateway connection (src/sources/gateway/connection.ts). */
export interface ConnectionLike extends Stoppable {
  state(): string;
  status(): { pausedReason: string | null; hello?: { serverVersion: string | null } | null };
  /** Reconnects now from a pause or backoff, with new URL or credentials when they changed. */
  resume(next?: { url?: string; auth?: { mode: string | null; secret: Secret | null } }): void;
  deviceId(): string | null;
}
export interface ConnectionOptions {
  inspection: Inspection;
  config: Config;
  dataDir: string;
  onObservation: (o: Observation) => void;
}

/** Which OpenClaw state a one-shot command was pointed at (--state-dir, --profile); they win over the config. */
export interface OpenClawTarget {
  stateDirFlag?: string | undefined;
  profileFlag?: string | undefined;
}

/** How the daemon finds and reads OpenClaw (daemon/inspect.ts in production). */
export interface OpenClawPort {
  /** Where OpenClaw's state is for this config (no I/O beyond the environment). */
  locate(config: Config, target?: OpenClawTarget): OpenClawLocation;
  /** Whether the state directory exists now. */
  exists(location: OpenClawLocation): Promise<boolean>;
  findInstall(configuredBin: string | null): Promise<OpenClawInstall>;
  /** One full look; throws NoOpenClawStateError when the state directory is gone. */
  inspect(o: {
    config: Config;
    nowMs: number;
    lastGood: LastGoodState | null;
    install?: OpenClawInstall;
    target?: OpenClawTarget;
    /** The remediation kill switch, read cheaply on every look for the remediation-halted finding. */
    killSwitchFile?: string;
    /** server.version from hello-ok on the watchdog's own connection: the running gateway's version. */
    helloVersion?: string | null;
  }): Promise<Inspection>;
}

export interface Schedule {
  stop(): Promise<void>;
}

export interface DaemonDeps {
  env: NodeJS.ProcessEnv;
  now: () => number;
  logger: Logger;
  stateStore: StateStore;
  /** Re-reads the config file (SIGHUP); throws ConfigError when it is bad. */
  loadConfig: () => Promise<LoadedConfig>;
  /** Finds and reads OpenClaw: injected like every other dependency (tests pass data, not files). */
  openclaw: OpenClawPort;
  createStateWatcher: (opts: StateWatcherOptions) => StateWatcher;
  /** Watches `parent` until `child` appears in it. */
  watchForPath: (parent: string, child: string, onAppear: () => void) => Stoppable;
  schedule: (cronExpression: string, run: () => Promise<void>) => Schedule;
  createLogTail?: (opts: LogTailOptions) => Promise<LogTailLike>;
  /** The watchdog's own connection, or null when it is off (not paired yet, or disabled). */
  createConnection?: (opts: ConnectionOptions) => Promise<ConnectionLike | null>;
  /** Called after a SIGHUP reload was accepted, so the actions can take the new config. */
  onReload?: (config: LoadedConfig) => void;
  /** The OpenClaw state this daemon watches, when the watchdog watches several (a profile or a state dir). */
  target?: OpenClawTarget;
  /**
   * The log files the other watched states follow: where one is this daemon's too (OpenClaw 2026.4.x up to 4.24
   * writes every profile's lines to /tmp/openclaw/openclaw-<date>.log), its lines are told apart by gateway port.
   */
  logPeers?: () => LogPeers;
  /** Every evaluation's outcome, for the actions that follow detection (notify, heal) and for tests. */
  onEvaluated?: (e: Evaluation) => void | Promise<void>;
}

export interface DaemonStatus {
  startedAtMs: number;
  mode: "starting" | "waiting" | "watching" | "stopped";
  waitingFor: string | null;
  openclaw: {
    version: string | null;
    stateDir: string | null;
    store: string | null;
    versionSource?: string | null;
  };
  lastEvaluation: { atMs: number; trigger: string; durationMs: number } | null;
  lastReconcileAtMs: number | null;
  stateChangedAtMs: number | null;
  incidents: IncidentState["open"];
  recentObservations: Observation[];
  sources: Record<string, { healthy: boolean; detail: string }>;
  /** The own connection's state, null when there is none. */
  connectionState: string | null;
  /** The gateway-log tail's counters, null when it is not running. */
  logStats: LogTailStats | null;
}

// The watchdog (daemon/watchdog.ts): what it needs around the daemons and what it offers `run` and `fix`.

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
    o: Pick<NotifierOptions, "config" | "secrets" | "onDispatched" | "onSuppressed" | "store" | "approvals">,
  ): Notifier;
  /** The status socket, answering with `getStatus()`; null when there is none. */
  createStatusEndpoint(getStatus: () => StatusReport): Endpoint | null;
  /** The metrics listener (only when `metrics.listen` is set); null otherwise. */
  createMetricsEndpoint(
    metrics: Pick<WatchdogMetrics, "series" | "latency">,
    collect: () => void,
  ): Endpoint | null;
  /**
   * Which OpenClaw states to watch for this config (config/openclaw-paths.ts discoverInstances); default: the one
   * the config names. Asked at start, on reload, on each reconcile and when `watchProfiles` reports a change.
   */
  discover?(config: Config): InstanceTarget[];
  /** Reports changes of the profiles' folders in the home folder (new or removed ~/.openclaw-<profile>). */
  watchProfiles?(onChange: () => void): Stoppable;
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
  /** The OpenClaw states this config watches (one-shot commands go through them one by one). */
  targets(): InstanceTarget[];
  /** The first watched state's daemon (the only one unless several profiles are watched), for tests. */
  readonly daemon: Daemon;
  /** Every watched state's daemon, by name (profile, "default", or a configured state dir). */
  daemons(): ReadonlyMap<string, Daemon>;
}
