// The remediation interpreter: decides with the pure policy, then runs each decision through the OpenClaw CLI,
// appends every decision and command to the audit log before and after it runs, re-reads the state after
// every action, and calls a device healed only when the re-read shows it. One pass at a time.

import { randomUUID } from "node:crypto";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import JSON5 from "json5";
import { codeInfo } from "../../common/finding-codes.js";
import type { Logger } from "../../common/log.js";
import { approvedBaseline, localPaired } from "../../common/pairing.js";
import { excerpt } from "../../common/redact.js";
import { formatScopes, missingScopes, normalizeScopes } from "../../common/scopes.js";
import type { PendingRequest } from "../../common/types.js";
import type { RemediationConfig } from "../../config/schema-remediation.js";
import { defaultRemediationConfig } from "../../config/schema-remediation.js";
import { checkRequest } from "../../detect/guards.js";
import type { Inspection } from "../../detect/inspection.js";
import type { Evaluation } from "../../policy/evaluation.js";
import { type Decision, decideRemediation, missingForDevice } from "../../policy/remediate.js";
import type { ProcessRunner, RunResult } from "../process-runner.js";
import {
  AUDIT_FILE,
  type AuditEntry,
  type AuditLog,
  type AuditOutcome,
  createAuditLog,
  historyFromAudit,
} from "./audit-log.js";
import { createOpenClawCli, type OpenClawCli } from "./openclaw-cli.js";

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
  /** Every pass the daemon ran, with its decisions and how they ended (for `status` and the metrics). */
  onPass?: (report: PassReport) => void;
}

/** A decision with how it ended. */
export type DecisionResult = Decision & { outcome?: AuditOutcome };

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
  /** Resolves once no pass is running or queued. */
  idle(): Promise<void>;
  /** Takes a reloaded `remediation` section (SIGHUP) for the next pass; a running pass keeps the one it started with. */
  reconfigure(remediation: RemediationConfig | undefined): void;
  /** Kills a running command, waits for the pass to end; idempotent. */
  stop(): Promise<void>;
}

/** The pass could not run (audit log unreadable, state unreadable): nothing was done. */
export class RemediationError extends Error {
  override readonly name = "RemediationError";
}

/** Exit code of `fix`: 0 nothing needed doing or every action healed and verified, 1 something needs the user. */
export function passExitCode(report: PassReport): 0 | 1 {
  return report.decisions.every((d) => d.outcome?.healed === true) ? 0 : 1;
}

/** Whether the re-read state shows the local device holding the required scopes and `granted`. */
export function isHealed(i: Inspection, granted: readonly string[] = []): boolean {
  const identity = i.snapshot.identity;
  const paired = localPaired(i.snapshot);
  if (!identity || !paired || paired.publicKey !== identity.publicKey) return false;
  return (
    missingForDevice(paired, i.requiredScopes).length === 0 &&
    missingScopes(approvedBaseline(paired), granted).length === 0
  );
}

const HOUR_MS = 3_600_000;

/** openclaw.json does not send the CLI to a remote gateway (gateway.mode "remote"); unreadable counts as local. */
async function isLocalGateway(configPath: string): Promise<boolean> {
  try {
    const raw: unknown = JSON5.parse(await readFile(configPath, "utf8"));
    const gateway = raw !== null && typeof raw === "object" ? Reflect.get(raw, "gateway") : undefined;
    const mode = gateway !== null && typeof gateway === "object" ? Reflect.get(gateway, "mode") : undefined;
    return mode !== "remote";
  } catch {
    return true;
  }
}

function baselineText(i: Inspection): string {
  const paired = localPaired(i.snapshot);
  return paired ? formatScopes(approvedBaseline(paired)) : "(not paired)";
}

class StopPass extends Error {}

/** What one pass runs with: fixed when it starts, so a reload cannot change a pass halfway. */
interface PassSettings {
  cfg: RemediationConfig;
  dryRun: boolean;
  killFile: string;
}

/** The remediation runner shared by `fix` (runOnce) and the daemon (onEvaluation). */
export function createRemediator(o: RemediatorOptions): Remediator {
  let cfg = o.remediation ?? defaultRemediationConfig();
  let dryRun = o.dryRun ?? cfg.dryRun;
  let killFile = cfg.killSwitchFile ?? path.join(o.dataDir, "disable-remediation");
  const log = o.logger.child({ component: "remediation" });
  const abort = new AbortController();
  let running: Promise<unknown> | null = null;
  let queued = false;
  let stopping: Promise<void> | null = null;
  let secrets: string[] = [];
  const audit = o.audit ?? createAuditLog(path.join(o.dataDir, AUDIT_FILE), () => secrets);

  const killSwitchOn = (file: string) =>
    access(file).then(
      () => true,
      () => false,
    );
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

  async function runPass(initial?: Inspection): Promise<PassReport> {
    const pass = randomUUID();
    const ps: PassSettings = { cfg, dryRun, killFile };
    let inspection: Inspection;
    let entries: AuditEntry[];
    try {
      inspection = initial ?? (await o.inspect());
      secrets = inspection.gateway.secret ? [inspection.gateway.secret.reveal()] : [];
      const lookback = Math.max(HOUR_MS, ps.cfg.regressionWindow, ps.cfg.backoff.max);
      entries = await audit.readSince(o.now() - lookback);
    } catch (err) {
      throw new RemediationError(`cannot start a remediation pass: ${(err as Error).message}`);
    }
    const killSwitch = { active: await killSwitchOn(ps.killFile), file: ps.killFile };
    const decisions = decideRemediation({
      nowMs: o.now(),
      config: ps.cfg,
      snapshot: inspection.snapshot,
      requiredScopes: inspection.requiredScopes,
      version: inspection.version,
      store: inspection.store,
      history: historyFromAudit(entries),
      killSwitch,
      haveCli: inspection.install.bin !== null,
      localGateway: await isLocalGateway(inspection.location.configPath),
    });
    const base = {
      pass,
      policy: ps.cfg.policy,
      dryRun: ps.dryRun,
      stateDir: inspection.location.stateDir,
    };
    const results: DecisionResult[] = [];
    for (const d of decisions) results.push(await execute(d, inspection, base, ps));
    return { pass, policy: ps.cfg.policy, dryRun: ps.dryRun, inspection, decisions: results };
  }

  async function execute(
    d: Decision,
    inspection: Inspection,
    base: Pick<AuditEntry, "pass" | "policy" | "dryRun" | "stateDir">,
    ps: PassSettings,
  ): Promise<DecisionResult> {
    const acts = d.action === "approve" || d.action === "request-repair";
    const attempt = acts && !ps.dryRun ? randomUUID() : undefined;
    const entry = (phase: AuditEntry["phase"], outcome?: AuditOutcome): AuditEntry => ({
      at: new Date(o.now()).toISOString(),
      atMs: o.now(),
      ...base,
      phase,
      kind: "decision",
      action: d.action,
      ...(attempt ? { attempt } : {}),
      ...(d.deviceId ? { deviceId: d.deviceId } : {}),
      ...(d.requestId ? { requestId: d.requestId } : {}),
      ...(d.scopes ? { scopes: d.scopes } : {}),
      reasons: d.reasons,
      ...(outcome ? { outcome } : {}),
    });
    try {
      await audit.append(entry("before"));
    } catch (err) {
      const outcome = {
        status: "failed",
        message: `not run: cannot write the audit log (${(err as Error).message})`,
      };
      report(d, outcome, ps.dryRun);
      return { ...d, outcome };
    }
    let outcome: AuditOutcome;
    if (d.action === "notify") outcome = { status: "notified", message: d.reasons[0] ?? "needs you" };
    else if (d.action === "skip") outcome = { status: "skipped", message: d.reasons[0] ?? "nothing to do" };
    else if (ps.dryRun)
      outcome = {
        status: "dry-run",
        message: `would run \`openclaw devices list --json\`, re-check every guard, run \`openclaw devices approve <requestId> --json\` for ${d.requestId ? `request ${d.requestId} (or the id it churned to)` : "the request OpenClaw creates"}, and verify by re-reading the state`,
      };
    else
      outcome = await heal(d, inspection, base, attempt ?? "", ps).catch(
        (err: unknown): AuditOutcome => ({
          status: "failed",
          message: `stopped by an unexpected error: ${(err as Error).message}`,
          healed: false,
        }),
      );
    try {
      await audit.append(entry("after", outcome));
    } catch (err) {
      log.error({ err: (err as Error).message, action: d.action }, "cannot write the audit log");
    }
    report(d, outcome, ps.dryRun);
    return { ...d, outcome };
  }

  function report(d: Decision, outcome: AuditOutcome, dryRun: boolean): void {
    const fields = {
      action: d.action,
      requestId: d.requestId,
      deviceId: d.deviceId,
      scopes: d.scopes,
      status: outcome.status,
      dryRun,
    };
    const msg = `remediation ${d.action}: ${outcome.message}`;
    if (outcome.healed || outcome.status === "dry-run" || outcome.status === "skipped") log.info(fields, msg);
    else log.warn({ ...fields, reasons: d.reasons }, msg);
  }

  async function heal(
    d: Decision,
    inspection: Inspection,
    base: Pick<AuditEntry, "pass" | "policy" | "dryRun" | "stateDir">,
    attempt: string,
    ps: PassSettings,
  ): Promise<AuditOutcome> {
    const bin = inspection.install.bin;
    if (!bin) return { status: "failed", message: "no openclaw executable", healed: false };
    const cli = createOpenClawCli({
      bin,
      runner: o.runner,
      env: o.env ?? process.env,
      stateDir: inspection.location.stateDir,
      configPath: inspection.location.configPath,
      gatewayPort: inspection.location.portOverride,
      timeoutMs: ps.cfg.cliTimeout,
      ...(o.killGraceMs !== undefined ? { killGraceMs: o.killGraceMs } : {}),
      signal: abort.signal,
    });
    const step = async <T extends { run: RunResult; problem: string | null }>(
      command: string,
      requestId: string | undefined,
      run: (c: OpenClawCli) => Promise<T>,
    ): Promise<T> => {
      if (abort.signal.aborted) throw new StopPass("the watchdog is stopping");
      if (await killSwitchOn(ps.killFile)) throw new StopPass(`the kill switch ${ps.killFile} appeared`);
      const at = () => ({ at: new Date(o.now()).toISOString(), atMs: o.now() });
      const common = { ...base, kind: "command" as const, action: d.action, attempt, command };
      const ids = { ...(d.deviceId ? { deviceId: d.deviceId } : {}), ...(requestId ? { requestId } : {}) };
      await audit.append({ ...at(), ...common, ...ids, phase: "before" });
      const r = await run(cli);
      const stopped = abort.signal.aborted;
      const result = {
        exitCode: r.run.exitCode,
        signal: r.run.signal,
        timedOut: r.run.timedOut,
        killedWith: r.run.killedWith,
        durationMs: r.run.durationMs,
        ...("status" in r ? { status: r.status } : {}),
        ...("fallback" in r ? { fallback: r.fallback } : {}),
        ...(r.problem ? { problem: r.problem } : {}),
        ...(r.run.stderr ? { stderr: excerpt(r.run.stderr, secrets, 400) } : {}),
      };
      await audit.append({ ...at(), ...common, ...ids, phase: "after", result });
      log.debug({ action: d.action, requestId, command, ...result }, "openclaw command finished");
      if (stopped) throw new StopPass(`the watchdog stopped while \`${command}\` ran; it was killed`);
      return r;
    };

    let target = d.action === "approve" ? d.requestId : undefined;
    let picked: PendingRequest | undefined;
    let note = "";
    try {
      for (let churns = 0; ; churns++) {
        const list = await step("openclaw devices list --json", undefined, (c) => c.list());
        if (!list.ok)
          return {
            status: "failed",
            message: `openclaw devices list failed: ${list.problem}`,
            healed: false,
          };
        const now = await o.inspect();
        const local = pendingOf(now, target);
        if (!local) {
          if (isHealed(now, d.scopes ?? []))
            return {
              status: "healed",
              message: "already healed when re-read (approved elsewhere)",
              healed: true,
            };
          return {
            status: "failed",
            message:
              d.action === "request-repair"
                ? "OpenClaw did not create a pending request for this device when its CLI connected"
                : "no pending request for this device any more (expired or handled elsewhere)",
            healed: false,
          };
        }
        const refusals = checkRequest(local, {
          nowMs: o.now(),
          identity: now.snapshot.identity,
          paired: localPaired(now.snapshot),
          allowScopes: ps.cfg.allowScopes,
          expiryMarginMs: ps.cfg.expiryMargin,
        });
        if (refusals.length > 0)
          return {
            status: "refused",
            message: `request ${local.requestId} not approved: ${refusals.map((r) => r.reason).join("; ")}`,
            healed: false,
          };
        picked = local;
        const res = await step(`openclaw devices approve ${local.requestId} --json`, local.requestId, (c) =>
          c.approve(local.requestId),
        );
        if (res.status !== "unknown-request") {
          note =
            res.status === "approved"
              ? ""
              : ` (approve ended: ${res.status}${res.problem ? `, ${res.problem}` : ""})`;
          break;
        }
        if (churns >= ps.cfg.maxRetries) {
          note = ` (the request id changed ${churns + 1} times; gave up after remediation.maxRetries ${ps.cfg.maxRetries})`;
          break;
        }
        target = undefined; // take the device's newest request after listing again
        await sleep(o.retryDelayMs ?? 1_000);
      }
    } catch (err) {
      if (err instanceof StopPass) return { status: "stopped", message: err.message, healed: false };
      return { status: "failed", message: (err as Error).message, healed: false };
    }
    let after: Inspection;
    try {
      after = await o.inspect();
    } catch (err) {
      return {
        status: "unverified",
        message: `cannot re-read the state: ${(err as Error).message}${note}`,
        healed: false,
      };
    }
    const grantedScopes = picked?.scopes ?? [];
    const approved = picked
      ? { approvedRequestId: picked.requestId, approvedScopes: normalizeScopes(picked.scopes) }
      : {};
    if (isHealed(after, grantedScopes))
      return {
        status: "healed",
        message: `verified by re-reading the state: the device now holds ${baselineText(after)}${note}`,
        healed: true,
        ...approved,
      };
    return {
      status: "not-healed",
      message: `re-reading the state shows the device still lacks what it needs${note}`,
      healed: false,
      ...approved,
    };
  }

  function pendingOf(i: Inspection, target: string | undefined): PendingRequest | undefined {
    const id = i.snapshot.identity?.deviceId;
    const mine = i.snapshot.pending.filter((r) => r.deviceId === id).sort((a, b) => b.ts - a.ts);
    return mine.find((r) => r.requestId === target) ?? mine[0];
  }

  const start = (initial?: Inspection) => {
    running = runPass(initial)
      .then((report) => o.onPass?.(report))
      .catch((err: unknown) => log.error({ err: (err as Error).message }, "remediation pass failed"))
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
      const wanted = e.events.some(
        (ev) => (ev.type === "opened" || ev.type === "escalated") && codeInfo(ev.incident.code).remediable,
      );
      if (!wanted) return;
      if (running) {
        queued = true;
        return;
      }
      start(e.inspection);
    },
    reconfigure(remediation) {
      cfg = remediation ?? defaultRemediationConfig();
      dryRun = o.dryRun ?? cfg.dryRun;
      killFile = cfg.killSwitchFile ?? path.join(o.dataDir, "disable-remediation");
    },
    async idle() {
      while (running) await running;
    },
    stop() {
      stopping ??= (async () => {
        queued = false;
        abort.abort();
        while (running) await running;
      })();
      return stopping;
    },
  };
}
