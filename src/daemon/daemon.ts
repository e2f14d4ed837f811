// The long-running watchdog: wires the sources to detection, keeps incidents (across restarts too) and the last
// good state, and owns every watcher, socket and schedule it starts. Event-driven, with a periodic reconcile
// behind it.

import path from "node:path";
import { killSwitchPath } from "../actions/remediate/kill-switch.js";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import type { LastGoodState, Observation, OpenClawInstall } from "../common/types.js";
import type { LoadedConfig } from "../config/load.js";
import type { OpenClawLocation } from "../config/openclaw-paths.js";
import type { Inspection } from "../detect/inspection.js";
import { isOwnLogLine, nextLastGood } from "../detect/local-health.js";
import type { Evaluation } from "../policy/evaluation.js";
import { emptyIncidents } from "../policy/incidents.js";
import { isWsl, shouldPoll } from "../sources/host/platform.js";
import { assess, emptyRecall, type Recall } from "./assess.js";
import { createEvaluationGate, type EvaluationGate } from "./evaluation-gate.js";
import { createIncidentMemory, type IncidentMemoryStore } from "./incident-memory.js";
import { NoOpenClawStateError } from "./inspect.js";
import { startConnection, startLogTail } from "./live-sources.js";
import type { ConnectionLike, DaemonDeps, DaemonStatus, LogTailLike, Schedule, Stoppable } from "./ports.js";
import { logHealth, logIncidentEvent } from "./report.js";

export type {
  ConnectionLike,
  ConnectionOptions,
  DaemonDeps,
  DaemonStatus,
  LogTailLike,
  LogTailOptions,
  Schedule,
  Stoppable,
} from "./ports.js";

const MAX_OBSERVATIONS = 200;

export class Daemon {
  private config: LoadedConfig;
  private readonly deps: DaemonDeps;
  private readonly log: Logger;
  private readonly startedAtMs: number;
  private mode: DaemonStatus["mode"] = "starting";
  private waitingFor: string | null = null;
  private location: OpenClawLocation | null = null;
  private install: OpenClawInstall | null = null;
  private components: Stoppable[] = [];
  private schedule: Schedule | null = null;
  private connection: ConnectionLike | null = null;
  private logTail: LogTailLike | null = null;
  /** What each evaluation carries over to the next (assess.ts). */
  private recall: Recall = emptyRecall();
  private observations: Observation[] = [];
  private lastGood: LastGoodState | null = null;
  /** The local device of the last read that had an identity. */
  private lastInspection: Inspection | null = null;
  private lastEvaluation: DaemonStatus["lastEvaluation"] = null;
  private lastReconcileAtMs: number | null = null;
  private sourceHealth: DaemonStatus["sources"] = {};
  private readonly gate: EvaluationGate<Inspection | null>;
  /** incidents.json for the state directory being watched: what survives a restart. */
  private memory: IncidentMemoryStore | null = null;
  private stopping: Promise<void> | null = null;
  private generation = 0;

  constructor(config: LoadedConfig, deps: DaemonDeps) {
    this.config = config;
    this.deps = deps;
    this.log = deps.logger;
    this.startedAtMs = deps.now();
    this.gate = createEvaluationGate({
      minIntervalMs: () => this.config.config.detect.minInterval,
      now: deps.now,
      run: (trigger, atMs) => this.evaluateOnce(trigger, atMs),
      onError: (err, trigger) => this.log.error({ err: errorMessage(err), trigger }, "evaluation failed"),
    });
  }

  get stopped(): boolean {
    return this.stopping !== null;
  }

  async start(): Promise<void> {
    await this.attach();
    this.startSchedule();
  }

  /** Reloads the config (SIGHUP): a bad file is reported and the running config kept. */
  async reload(given?: LoadedConfig): Promise<boolean> {
    if (this.stopped) return false;
    let next: LoadedConfig;
    try {
      next = given ?? (await this.deps.loadConfig());
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, "new configuration rejected; keeping the running one");
      return false;
    }
    this.config = next;
    await this.detach();
    await this.schedule?.stop();
    this.schedule = null;
    this.install = null;
    this.log.info({ config: next.file ?? "(defaults)" }, "configuration reloaded");
    this.deps.onReload?.(next);
    await this.attach();
    this.startSchedule();
    return true;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.generation++;
      await this.schedule?.stop();
      this.schedule = null;
      this.gate.stop();
      await this.detach();
      await this.gate.idle();
      await this.memory?.stop();
      this.mode = "stopped";
      this.log.debug("daemon stopped");
    })();
    return this.stopping;
  }

  status(): DaemonStatus {
    const i = this.lastInspection;
    return {
      startedAtMs: this.startedAtMs,
      mode: this.mode,
      waitingFor: this.waitingFor,
      openclaw: {
        version: i?.install.version ?? null,
        stateDir: this.location?.stateDir ?? null,
        store: i?.store ?? null,
        versionSource: i?.install.versionSource ?? null,
      },
      lastEvaluation: this.lastEvaluation,
      lastReconcileAtMs: this.lastReconcileAtMs,
      stateChangedAtMs: this.recall.stateChangedAtMs,
      incidents: this.recall.incidents.open,
      recentObservations: this.observations.slice(-20),
      connectionState: this.connection?.state() ?? null,
      logStats: this.logTail?.stats() ?? null,
      sources: {
        ...this.sourceHealth,
        ...(this.logTail ? { log: logHealth(this.logTail.stats()) } : {}),
        ...(this.connection
          ? {
              connection: {
                healthy: this.connection.state() === "open",
                detail: this.connection.status().pausedReason ?? this.connection.state(),
              },
            }
          : {}),
      },
    };
  }

  /** Finds OpenClaw and starts watching it, or waits for it to appear. */
  private async attach(): Promise<void> {
    const gen = ++this.generation;
    const cfg = this.config.config;
    const location = this.deps.openclaw.locate(cfg, this.deps.target);
    this.location = location;
    if (!(await this.deps.openclaw.exists(location))) {
      await this.waitFor(location, gen);
      return;
    }
    if (gen !== this.generation) return;
    this.mode = "watching";
    this.waitingFor = null;
    this.lastGood = await this.deps.stateStore.loadLastGood(location.stateDir);
    await this.restore(location.stateDir);
    if (gen !== this.generation) return;
    const wsl = isWsl(this.deps.env);
    const polling = shouldPoll(location.stateDir, cfg.watch.polling, wsl);
    const watcher = this.deps.createStateWatcher({
      stateDir: location.stateDir,
      configPath: location.configPath,
      debounceMs: cfg.watch.debounce,
      usePolling: polling,
      pollIntervalMs: cfg.watch.pollInterval,
      logger: this.log.child({ component: "files" }),
      onChange: (files) =>
        this.trigger(`files:${files.map((f) => path.relative(location.stateDir, f)).join(",")}`),
    });
    this.components.push(watcher);
    // watch first, then read: a change made while the first read runs triggers another one
    await watcher.ready;
    if (gen !== this.generation) return;
    this.sourceHealth.files = {
      healthy: true,
      detail: `watching ${location.stateDir}${polling ? " (polling)" : ""}`,
    };
    const first = await this.gate.runNow("start", this.deps.now());
    if (gen !== this.generation || !first) return;
    await this.startLogTail(first, wsl, gen);
    await this.startConnection(first, gen);
    this.log.info(
      { stateDir: location.stateDir, version: first.install.version, store: first.store },
      "watching OpenClaw",
    );
  }

  /**
   * Takes up what was remembered about `stateDir` before a restart (or a switch to another state directory) so
   * the first evaluation opens only what is new and resolves what healed meanwhile. Kept when it is the same.
   */
  private async restore(stateDir: string): Promise<void> {
    if (this.memory?.stateDir === stateDir) return;
    await this.memory?.stop();
    const memory = createIncidentMemory({
      store: this.deps.stateStore,
      stateDir,
      now: this.deps.now,
      logger: this.log,
    });
    this.memory = memory;
    const restored = await memory.load();
    this.recall = {
      ...this.recall,
      incidents: restored?.incidents ?? emptyIncidents(),
      healthySinceMs: restored?.healthySinceMs ?? null,
    };
    this.observations = restored?.observations ?? [];
  }

  private remember(): void {
    this.memory?.changed({
      incidents: this.recall.incidents,
      observations: this.observations,
      healthySinceMs: this.recall.healthySinceMs,
    });
  }

  private async waitFor(location: OpenClawLocation, gen: number): Promise<void> {
    this.mode = "waiting";
    this.waitingFor = `OpenClaw's state directory ${location.stateDir}`;
    this.log.warn(
      { lookedAt: location.searched, from: location.stateDirSource },
      `waiting for OpenClaw: no state directory at ${location.searched.join(" or ")}; install OpenClaw and start its gateway (openclaw gateway run), and the watchdog picks it up`,
    );
    const watcher = this.deps.watchForPath(
      path.dirname(location.stateDir),
      path.basename(location.stateDir),
      () => {
        if (gen !== this.generation || this.stopped) return;
        this.log.info({ stateDir: location.stateDir }, "OpenClaw's state directory appeared");
        void this.detach()
          .then(() => this.attach())
          .catch((err: unknown) =>
            this.log.error({ err: errorMessage(err) }, "cannot start watching OpenClaw"),
          );
      },
    );
    this.components.push(watcher);
    await watcher.ready;
  }

  private async startLogTail(first: Inspection, wsl: boolean, gen: number): Promise<void> {
    const location = this.location;
    if (!location) return;
    const tail = await startLogTail(this.deps, {
      first,
      config: this.config.config,
      wsl,
      stateDir: location.stateDir,
      secrets: () => this.secrets(),
      observe: (o, stale) => this.observe(o, stale),
      current: () => gen === this.generation && !this.stopped,
    });
    if (!tail) return;
    this.logTail = tail;
    this.components.push(tail);
  }

  private async startConnection(first: Inspection, gen: number): Promise<void> {
    const connection = await startConnection(this.deps, {
      first,
      config: this.config.config,
      observe: (o) => this.observe(o, false),
      current: () => gen === this.generation && !this.stopped,
    });
    if (!connection) return;
    this.connection = connection;
    this.components.push(connection);
  }

  private async detach(): Promise<void> {
    const parts = this.components;
    this.components = [];
    this.logTail = null;
    this.connection = null;
    await Promise.all(
      parts.map((c) =>
        c
          .stop()
          .catch((err: unknown) =>
            this.log.warn({ err: errorMessage(err) }, "a component failed to stop cleanly"),
          ),
      ),
    );
  }

  private startSchedule(): void {
    if (this.stopped) return;
    const expr = this.config.config.reconcile.schedule;
    this.schedule = this.deps.schedule(expr, async () => {
      this.lastReconcileAtMs = this.deps.now();
      if (this.mode === "waiting") {
        const location = this.deps.openclaw.locate(this.config.config, this.deps.target);
        if (await this.deps.openclaw.exists(location)) {
          await this.detach();
          await this.attach();
        }
        return;
      }
      this.install = null; // re-learn the version: OpenClaw may have been upgraded
      this.trigger("reconcile");
    });
  }

  /** The secrets the daemon knows, scrubbed from every log line. */
  secrets(): string[] {
    const s = this.lastInspection?.gateway.secret?.reveal();
    return s ? [s] : [];
  }

  private isOwnLine(o: Observation): boolean {
    return isOwnLogLine(o, {
      file: this.logTail?.stats().file,
      peers: this.deps.logPeers?.(),
      port: this.lastInspection?.gateway.port,
      deviceId: this.lastInspection?.snapshot.identity?.deviceId,
    });
  }

  private observe(o: Observation, stale: boolean): void {
    if (this.stopped) return;
    if (o.source === "log" && !this.isOwnLine(o)) return;
    this.observations.push(o);
    if (this.observations.length > MAX_OBSERVATIONS)
      this.observations.splice(0, this.observations.length - MAX_OBSERVATIONS);
    this.remember();
    this.log.debug(
      {
        kind: o.kind,
        source: o.source,
        deviceId: o.deviceId,
        requestId: o.requestId,
        closeCode: o.code,
        closeReason: o.closeReason,
        stale,
      },
      "observation",
    );
    // A pairing decision may unblock a paused connection; its own removal must not (it would re-pair silently).
    if (
      o.kind === "pairing-resolved" ||
      (o.kind === "device-removed" && o.deviceId !== this.connection?.deviceId())
    ) {
      this.connection?.resume();
    }
    if (!stale) this.trigger(`${o.source}:${o.kind}`, o.atMs);
  }

  /** Evaluates now, or after the one in flight and the minimum interval (detect.minInterval); never two at once. */
  trigger(reason: string, atMs = this.deps.now()): void {
    if (this.stopped || this.mode !== "watching") return;
    this.gate.trigger(reason, atMs);
  }

  private async evaluateOnce(trigger: string, triggeredAtMs: number): Promise<Inspection | null> {
    const started = this.deps.now();
    const cfg = this.config.config;
    let inspection: Inspection;
    try {
      this.install ??= await this.deps.openclaw.findInstall(cfg.openclaw.bin);
      inspection = await this.deps.openclaw.inspect({
        config: cfg,
        nowMs: started,
        lastGood: this.lastGood,
        install: this.install,
        helloVersion: this.connection?.status().hello?.serverVersion ?? null,
        ...(this.deps.target ? { target: this.deps.target } : {}),
        killSwitchFile: killSwitchPath(cfg.remediation, this.deps.stateStore.dir),
      });
    } catch (err) {
      if (err instanceof NoOpenClawStateError && !this.stopped) {
        this.log.warn({ stateDir: err.location.stateDir }, "OpenClaw's state directory disappeared");
        await this.detach();
        await this.waitFor(err.location, ++this.generation);
        return null;
      }
      this.log.error({ err: errorMessage(err), trigger }, "evaluation failed; keeping the last good view");
      return null;
    }
    if (this.stopped) return null;
    const before = this.lastInspection?.gateway;
    const after = inspection.gateway;
    if (
      before &&
      (before.port !== after.port ||
        before.secret?.reveal() !== after.secret?.reveal() ||
        before.authMode !== after.authMode)
    ) {
      // openclaw.json changed the gateway's port or credentials: a paused connection may work again
      this.connection?.resume({
        ...(this.config.config.connection.url ? {} : { url: `ws://127.0.0.1:${after.port}` }),
        auth: { mode: after.authMode, secret: after.secret },
      });
    }
    this.lastInspection = inspection;
    const { recall, findings, events, stateChanged, localHealthy } = assess(this.recall, {
      inspection,
      observations: this.observations,
      lastGoodDeviceId: this.lastGood?.deviceId ?? null,
      watchdogDeviceId: this.connection?.deviceId() ?? null,
      closeWindowMs: cfg.detect.closeWindow,
      startedAtMs: started,
      readAtMs: this.deps.now(),
    });
    this.recall = recall;
    this.remember();
    for (const e of events) logIncidentEvent(this.log, e, trigger, this.deps.now() - triggeredAtMs);
    if (stateChanged && events.length === 0 && trigger.startsWith("files")) {
      this.log.debug({ trigger }, "pairing state changed without changing any finding");
    }
    await this.rememberIfHealthy(inspection, localHealthy, started);
    const durationMs = this.deps.now() - started;
    this.lastEvaluation = { atMs: started, trigger, durationMs };
    this.log.debug({ trigger, durationMs, findings: findings.length, stateChanged }, "evaluated");
    const evaluation: Evaluation = {
      trigger,
      triggeredAtMs,
      atMs: this.deps.now(),
      inspection,
      findings,
      events,
      stateChanged,
    };
    try {
      await this.deps.onEvaluated?.(evaluation);
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, "a follow-up action failed");
    }
    return inspection;
  }

  /** Saves the local device's pairing as the last good one whenever it is healthy and differs. */
  private async rememberIfHealthy(i: Inspection, healthy: boolean, nowMs: number): Promise<void> {
    const next = healthy ? nextLastGood(this.lastGood, i, nowMs) : null;
    if (!next) return;
    this.lastGood = next;
    try {
      await this.deps.stateStore.saveLastGood(i.location.stateDir, next);
      this.log.info(
        { deviceId: next.deviceId, scopes: next.approvedScopes },
        "recorded the local device's pairing as the last good state",
      );
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, "cannot save the last good state; keeping it in memory");
    }
  }
}
