// Executing one decision of a pass: a decision that runs nothing (notify, skip, a dry run) is one audit entry
// with its outcome; one that acts is audited before and after, recorded in the ledger before it runs (so a
// crash still counts against the bounds) and with how it ended, and healed through heal.ts. Nothing acts when
// its audit entry or ledger record cannot be written.

import { randomUUID } from "node:crypto";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { Inspection } from "../../detect/inspection.js";
import type { Decision } from "../../policy/remediate.js";
import type { BlockInput } from "../../policy/remediate-bounds.js";
import type { AuditEntry, AuditOutcome } from "./audit-log.js";
import { type HealContext, runHeal } from "./heal.js";
import type { KillSwitchState } from "./kill-switch.js";
import { type HistoryRead, type Ledger, ledgerKeepMs } from "./ledger.js";

/** What the fail-closed rules look at in one reading of the state (policy/remediate-bounds.ts). */
export function groundOf(
  inspection: Inspection,
  killSwitch: KillSwitchState,
  history: HistoryRead,
  nowMs: number,
): Omit<BlockInput, "config" | "history"> {
  return {
    nowMs,
    version: inspection.version,
    store: inspection.store,
    ledgerProblem: history.ok ? null : history.problem,
    killSwitch: {
      active: killSwitch.active,
      file: killSwitch.file,
      problem: killSwitch.problem,
      haltReason: killSwitch.halt?.reason ?? null,
    },
    haveCli: inspection.install.bin !== null,
    openclawConfig: {
      file: inspection.location.configPath,
      mode: inspection.gateway.mode,
      problem: inspection.gateway.configProblem,
    },
    findings: inspection.findings,
  };
}

/** A decision with how it ended. */
export type DecisionResult = Decision & { outcome?: AuditOutcome };

export interface ExecuteContext extends Omit<HealContext, "decision" | "attempt"> {
  ledger: Ledger;
  log: Logger;
}

function dryRunMessage(d: Decision): string {
  return `would run \`openclaw devices list --json\`, re-check every guard, run \`openclaw devices approve <requestId> --json\` for ${d.requestId ? `request ${d.requestId} (or the id it churned to)` : "the request OpenClaw creates"}, verify what changed, and verify the heal by re-reading the state`;
}

/** What a decision that runs nothing ends with. */
function outcomeWithoutRun(d: Decision, dryRun: boolean): AuditOutcome | null {
  if (d.action === "notify") return { status: "notified", message: d.reasons[0] ?? "needs you" };
  if (d.action === "skip") return { status: "skipped", message: d.reasons[0] ?? "nothing to do" };
  return dryRun ? { status: "dry-run", message: dryRunMessage(d) } : null;
}

function report(log: Logger, d: Decision, outcome: AuditOutcome, dryRun: boolean, by?: "user"): void {
  const fields = {
    action: d.action,
    requestId: d.requestId,
    deviceId: d.deviceId,
    scopes: d.scopes,
    status: outcome.status,
    dryRun,
    ...(by ? { by } : {}),
  };
  const msg = `remediation ${d.action}: ${outcome.message}`;
  if (outcome.status === "halted") log.error({ ...fields, reasons: d.reasons }, msg);
  else if (outcome.healed || outcome.status === "dry-run" || outcome.status === "skipped")
    log.info(fields, msg);
  else log.warn({ ...fields, reasons: d.reasons }, msg);
}

/** Runs one decision under the pass's settings; never throws. */
export async function executeDecision(d: Decision, c: ExecuteContext): Promise<DecisionResult> {
  const entry = (phase: AuditEntry["phase"], attempt?: string, outcome?: AuditOutcome): AuditEntry => ({
    at: new Date(c.now()).toISOString(),
    atMs: c.now(),
    ...c.base,
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
  const done = (outcome: AuditOutcome): DecisionResult => {
    report(c.log, d, outcome, c.base.dryRun, c.base.by);
    return { ...d, outcome };
  };

  const without = outcomeWithoutRun(d, c.base.dryRun);
  if (without) {
    try {
      await c.audit.append(entry("decided", undefined, without));
    } catch (err) {
      c.log.error({ err: errorMessage(err), action: d.action }, "cannot write the audit log");
    }
    return done(without);
  }

  const attempt = randomUUID();
  const action = d.action as "approve" | "request-repair";
  const startedAtMs = c.now();
  const ledgerEntry = (status: string | null, healed: boolean) => ({
    attempt,
    atMs: startedAtMs,
    stateDir: c.base.stateDir,
    deviceId: d.deviceId ?? "",
    action,
    ...(d.requestId ? { requestId: d.requestId } : {}),
    status,
    healed,
  });
  const keep = { nowMs: startedAtMs, keepMs: ledgerKeepMs(c.cfg) };
  try {
    await c.audit.append(entry("before", attempt));
  } catch (err) {
    return done({
      status: "failed",
      message: `not run: cannot write the audit log (${errorMessage(err)})`,
    });
  }
  let outcome: AuditOutcome;
  try {
    await c.ledger.record(ledgerEntry(null, false), keep);
    outcome = await runHeal({ ...c, decision: d, attempt }).catch(
      (err: unknown): AuditOutcome => ({
        status: "failed",
        message: `stopped by an unexpected error: ${errorMessage(err)}`,
        healed: false,
      }),
    );
    try {
      await c.ledger.record(ledgerEntry(outcome.status, outcome.healed === true), {
        ...keep,
        nowMs: c.now(),
      });
    } catch (err) {
      c.log.error({ err: errorMessage(err), action: d.action }, "cannot record how the attempt ended");
    }
  } catch (err) {
    outcome = {
      status: "failed",
      message: `not run: cannot write the remediation ledger (${errorMessage(err)})`,
      healed: false,
    };
  }
  try {
    await c.audit.append(entry("after", attempt, outcome));
  } catch (err) {
    c.log.error({ err: errorMessage(err), action: d.action }, "cannot write the audit log");
  }
  return done(outcome);
}
