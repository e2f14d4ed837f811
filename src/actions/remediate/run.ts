// The remediation interpreter: one pass at a time, machine-wide per OpenClaw state. A pass takes the
// remediation lock (actions/locks.ts, shared by the daemon and `fix`), reads the ledger and the kill switch,
// decides with the pure policy, executes each decision (execute.ts: audit, ledger, heal.ts), and releases the
// lock only after the last verification. A pass that finds the lock held decides nothing.

import { randomUUID } from "node:crypto";
import path from "node:path";
import { errorMessage } from "../../common/errors.js";
import { codeInfo } from "../../common/finding-codes.js";
import type { Logger } from "../../common/log.js";
import type { RemediationConfig } from "../../config/schema-remediation.js";
import { defaultRemediationConfig } from "../../config/schema-remediation.js";
import type { Inspection } from "../../detect/inspection.js";
import type { ApproveOffer } from "../../policy/approve-offer.js";
import type { Evaluation } from "../../policy/evaluation.js";
import { decideRemediation } from "../../policy/remediate.js";
import { createMachineLocks, type HeldLock, LockError } from "../locks.js";
import type { ProcessRunner } from "../process-runner.js";
import { AUDIT_FILE, type AuditLog, createAuditLog } from "./audit-log.js";
import { type DecisionResult, executeDecision, groundOf } from "./execute.js";
import { killSwitchPath, readKillSwitch } from "./kill-switch.js";
import { createLedger, type Ledger } from "./ledger.js";
import { runUserApprove, type UserApproveResult } from "./user-approve.js";

export interface RemediatorOptions {
  /** The config's `remediation` section (policy notify when absent). */
  remediation?: RemediationConfig | undefined;
  logger: Logger;
  dataDir: string;
  now: () => number;
  /** Re-reads OpenClaw's state (inspectOpenClaw with the watchdog's config and flags). */
  inspect: () => Promise<Inspection>;
  runner: ProcessRunner;
  /** The environment children start from (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Forces a dry run (`fix --dry-run`) whatever the config says. */
  dryRun?: boolean;
  /** Pause before listing again after "unknown requestId" (default 1 s). */
  retryDelayMs?: number;
  killGraceMs?: number;
  /** Where decisions and commands are recorded (default: audit.jsonl in the data dir). */
  audit?: AuditLog;
  /** The attempts the bounds count (default: remediation-ledger.json in the data dir). */
  ledger?: Ledger;
  /** The remediation lock of a state dir, null when held elsewhere (default: the machine-wide lock). */
  lock?: (stateDir: string) => Promise<HeldLock | null>;
  /** Every pass the daemon ran, with its decisions and how they ended (for `status` and the metrics). */
  onPass?: (report: PassReport) => void;
}

export interface PassReport {
  pass: string;
  policy: RemediationConfig["policy"];
  dryRun: boolean;
  inspection: Inspection;
  decisions: DecisionResult[];
}

export interface Remediator {
  /** One pass now (what `scope-watchdog fix` runs); rejects only when it cannot run at all. */
  runOnce(initial?: Inspection): Promise<PassReport>;
  /** The daemon's hook: a pass for each evaluation that opened or escalated a remediable incident. Never throws. */
  onEvaluation(e: Evaluation): void;
  /** A person clicked Approve on a notification: exactly that request's guarded approve (user-approve.ts). */
  approveOffer(offer: ApproveOffer): Promise<UserApproveResult>;
  /** Resolves once no pass is running or queued. */
  idle(): Promise<void>;
  /** Takes a reloaded `remediation` section (SIGHUP) for the next pass; a running pass keeps the one it started with. */
  reconfigure(remediation: RemediationConfig | undefined): void;
  /** Kills a running command, waits for the pass to end; idempotent. */
  stop(): Promise<void>;
}

/** The pass could not run (state, audit log or lock unusable): nothing was done. */
export class RemediationError extends Error {
  override readonly name = "RemediationError";
}

/** Exit code of `fix`: 0 nothing needed doing or every action healed and verified, 1 something needs the user. */
export function passExitCode(report: PassReport): 0 | 1 {
  return report.decisions.every((d) => d.outcome?.healed === true) ? 0 : 1;
}

/** What a pass that found the lock held reports: it decided nothing. */
function busyDecision(stateDir: string): DecisionResult {
  const message = "another remediation is running";
  return {
    action: "skip",
    reasons: [
      `Another remediation pass (the daemon's or a \`scope-watchdog fix\`) holds the remediation lock on the OpenClaw state ${stateDir}: this one decided nothing.`,
      "Run it again once that pass has ended.",
    ],
    outcome: { status: "busy", message },
  };
}

/** The remediation runner shared by `fix` (runOnce) and the daemon (onEvaluation). */
export function createRemediator(o: RemediatorOptions): Remediator {
  let cfg = o.remediation ?? defaultRemediationConfig();
  let dryRun = o.dryRun ?? cfg.dryRun;
  const log = o.logger.child({ component: "remediation" });
  const abort = new AbortController();
  let running: Promise<unknown> | null = null;
  let queued = false;
  let stopping: Promise<void> | null = null;
  let secrets: string[] = [];
  const clicks = new Set<Promise<UserApproveResult>>();
  const audit = o.audit ?? createAuditLog(path.join(o.dataDir, AUDIT_FILE), { secrets: () => secrets });
  const ledger = o.ledger ?? createLedger(o.dataDir);
  const lock =
    o.lock ??
    createMachineLocks({
      env: o.env ?? process.env,
      onLost: (file, why) => log.error({ lock: file, err: why }, "lost the remediation lock mid-pass"),
    }).remediation;

  async function runPass(initial?: Inspection): Promise<PassReport> {
    const pass = randomUUID();
    const ps = { cfg, dryRun, killFile: killSwitchPath(cfg, o.dataDir) };
    let inspection: Inspection;
    let held: HeldLock | null;
    try {
      // the first look names the state to lock; the decision is made on a look taken under the lock
      const first = initial ?? (await o.inspect());
      await audit.check();
      held = await lock(first.location.stateDir);
      if (!held) {
        log.info(
          { action: "skip", status: "busy" },
          "remediation: another pass holds the lock; deciding nothing",
        );
        return {
          pass,
          policy: ps.cfg.policy,
          dryRun: ps.dryRun,
          inspection: first,
          decisions: [busyDecision(first.location.stateDir)],
        };
      }
    } catch (err) {
      const what = err instanceof LockError ? "the remediation lock" : "a remediation pass";
      throw new RemediationError(`cannot start ${what}: ${errorMessage(err)}`);
    }
    try {
      inspection = await o.inspect();
    } catch (err) {
      await held.release();
      throw new RemediationError(`cannot start a remediation pass: ${errorMessage(err)}`);
    }
    secrets = inspection.gateway.secret ? [inspection.gateway.secret.reveal()] : [];
    const report = { pass, policy: ps.cfg.policy, dryRun: ps.dryRun, inspection };
    try {
      const [history, killSwitch] = await Promise.all([
        ledger.history(inspection.location.stateDir),
        readKillSwitch(ps.killFile),
      ]);
      if (!history.ok)
        log.error(
          { file: ledger.file, err: history.problem },
          "the remediation ledger cannot be read; no automatic action",
        );
      const decisions = decideRemediation({
        ...groundOf(inspection, killSwitch, history, o.now()),
        config: ps.cfg,
        snapshot: inspection.snapshot,
        requiredScopes: inspection.requiredScopes,
        history: history.ok ? history.history : { attempts: [] },
      });
      const ctx = {
        inspection,
        cfg: ps.cfg,
        killFile: ps.killFile,
        base: { pass, policy: ps.cfg.policy, dryRun: ps.dryRun, stateDir: inspection.location.stateDir },
        audit,
        ledger,
        log,
        inspect: o.inspect,
        runner: o.runner,
        env: o.env ?? process.env,
        now: o.now,
        signal: abort.signal,
        lockLost: () => held.lost(),
        secrets: () => secrets,
        retryDelayMs: o.retryDelayMs ?? 1_000,
        ...(o.killGraceMs !== undefined ? { killGraceMs: o.killGraceMs } : {}),
        debug: (fields: Record<string, unknown>, msg: string) => log.debug(fields, msg),
      };
      const results: DecisionResult[] = [];
      for (const d of decisions) results.push(await executeDecision(d, ctx));
      return { ...report, decisions: results };
    } finally {
      await held.release();
    }
  }

  const start = (initial?: Inspection) => {
    running = runPass(initial)
      .then((report) => o.onPass?.(report))
      .catch((err: unknown) => log.error({ err: errorMessage(err) }, "remediation pass failed"))
      .finally(() => {
        running = null;
        if (queued && !stopping) {
          queued = false;
          start();
        }
      });
  };

  return {
    runOnce(initial) {
      return runPass(initial);
    },
    onEvaluation(e) {
      if (stopping || !e.inspection) return;
      // a new or worse remediable incident; or, on the daemon's first look, one still open from before a restart
      // (incidents persist, so it opens no event again); or, on the periodic reconcile, one still open after an
      // attempt that did not heal it (the pass keeps the backoff and maxPerHour; policy notify has nothing to retry)
      const again = e.trigger === "start" || (e.trigger === "reconcile" && cfg.policy !== "notify");
      const wanted =
        e.events.some(
          (ev) => (ev.type === "opened" || ev.type === "escalated") && codeInfo(ev.incident.code).remediable,
        ) ||
        (again && e.findings.some((f) => codeInfo(f.code).remediable));
      if (!wanted) return;
      if (running) {
        queued = true;
        return;
      }
      start(e.inspection);
    },
    async approveOffer(offer) {
      const clicked = runUserApprove({
        offer,
        cfg,
        dryRun,
        killFile: killSwitchPath(cfg, o.dataDir),
        audit,
        ledger,
        lock,
        inspect: o.inspect,
        runner: o.runner,
        env: o.env ?? process.env,
        now: o.now,
        signal: abort.signal,
        log,
        setSecrets: (s) => {
          secrets = s;
        },
        secrets: () => secrets,
        retryDelayMs: o.retryDelayMs ?? 1_000,
        ...(o.killGraceMs !== undefined ? { killGraceMs: o.killGraceMs } : {}),
      });
      clicks.add(clicked);
      try {
        const r = await clicked;
        if (r.inspection)
          o.onPass?.({
            pass: r.pass,
            policy: cfg.policy,
            dryRun,
            inspection: r.inspection,
            decisions: [r.decision],
          });
        return r;
      } finally {
        clicks.delete(clicked);
      }
    },
    reconfigure(remediation) {
      cfg = remediation ?? defaultRemediationConfig();
      dryRun = o.dryRun ?? cfg.dryRun;
    },
    async idle() {
      while (running) await running;
    },
    stop() {
      stopping ??= (async () => {
        queued = false;
        abort.abort();
        while (running) await running;
        await Promise.allSettled([...clicks]);
      })();
      return stopping;
    },
  };
}
