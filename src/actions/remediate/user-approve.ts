// A person's click on a notification's Approve button: exactly that request's guarded approve, under the same
// remediation lock as every pass. Re-read the state, check the kill switch and the fail-closed rules, check that
// the request is still the one the notification listed and passes every guard (with its own scopes as the
// allow-list: the click grants exactly those), then the heal of heal.ts (list, re-check, approve, verify).
// Nothing runs when anything changed. Every step is audited with `by: "user"`. Works under policy notify: the
// click is the human decision, so neither the policy nor the rate bounds apply (they are for the watchdog's own).

import { randomUUID } from "node:crypto";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import { localPaired } from "../../common/pairing.js";
import type { RemediationConfig } from "../../config/schema-remediation.js";
import { checkRequest } from "../../detect/guards.js";
import type { Inspection } from "../../detect/inspection.js";
import { type ApproveOffer, offerChanges } from "../../policy/approve-offer.js";
import type { Decision } from "../../policy/remediate.js";
import { clickBlockedBy } from "../../policy/remediate-bounds.js";
import type { HeldLock } from "../locks.js";
import type { ProcessRunner } from "../process-runner.js";
import type { AuditLog } from "./audit-log.js";
import { type DecisionResult, executeDecision, groundOf } from "./execute.js";
import { readKillSwitch } from "./kill-switch.js";
import type { Ledger } from "./ledger.js";

/** How long a click waits for a remediation pass that holds the lock before it says "busy". */
const LOCK_WAIT_MS = 5_000;

export interface UserApproveContext {
  offer: ApproveOffer;
  cfg: RemediationConfig;
  dryRun: boolean;
  killFile: string;
  audit: AuditLog;
  ledger: Ledger;
  lock: (stateDir: string) => Promise<HeldLock | null>;
  inspect: () => Promise<Inspection>;
  runner: ProcessRunner;
  env: NodeJS.ProcessEnv;
  now: () => number;
  signal: AbortSignal;
  log: Logger;
  setSecrets: (s: string[]) => void;
  secrets: () => string[];
  retryDelayMs: number;
  killGraceMs?: number;
}

export interface UserApproveResult {
  pass: string;
  decision: DecisionResult;
  /** The state read last (for the notification that follows a change), null when none could be read. */
  inspection: Inspection | null;
}

/** Runs the click's approve; never throws (every way it ends is a decision with an outcome). */
export async function runUserApprove(c: UserApproveContext): Promise<UserApproveResult> {
  const pass = randomUUID();
  const { offer } = c;
  const scopesText = offer.scopes.join(", ");
  const decision: Decision = {
    action: "approve",
    requestId: offer.requestId,
    deviceId: offer.deviceId,
    scopes: offer.scopes,
    reasons: [
      `Approved by the user: the Approve button of the desktop notification about request ${offer.requestId}, which grants exactly ${scopesText}.`,
    ],
  };
  const ended = (status: string, message: string, inspection: Inspection | null): UserApproveResult => {
    c.log.warn(
      { action: "approve", by: "user", requestId: offer.requestId, status },
      `approve clicked: ${message}`,
    );
    return { pass, decision: { ...decision, outcome: { status, message, healed: false } }, inspection };
  };
  let held: HeldLock | null;
  try {
    await c.audit.check();
    // the watchdog's own pass holds the lock for a moment after each new incident: a click waits for it a little
    held = await c.lock(offer.stateDir);
    for (const end = Date.now() + LOCK_WAIT_MS; !held && Date.now() < end && !c.signal.aborted; ) {
      await new Promise((r) => setTimeout(r, 100));
      held = await c.lock(offer.stateDir);
    }
  } catch (err) {
    return ended("failed", `cannot take the remediation lock: ${errorMessage(err)}`, null);
  }
  if (!held)
    return ended(
      "busy",
      "another remediation (the daemon's or a `scope-watchdog fix`) has been running on this OpenClaw state for 5 s; nothing was approved",
      null,
    );
  try {
    let inspection: Inspection;
    try {
      inspection = await c.inspect();
    } catch (err) {
      return ended("failed", `cannot read OpenClaw's state: ${errorMessage(err)}`, null);
    }
    c.setSecrets(inspection.gateway.secret ? [inspection.gateway.secret.reveal()] : []);
    const base = {
      pass,
      policy: c.cfg.policy,
      dryRun: c.dryRun,
      stateDir: inspection.location.stateDir,
      by: "user" as const,
    };
    const [killSwitch, history] = await Promise.all([
      readKillSwitch(c.killFile),
      c.ledger.history(inspection.location.stateDir),
    ]);
    const blocked = clickBlockedBy(groundOf(inspection, killSwitch, history, c.now()));
    // before any command runs: still the request the notification listed, and still safe to approve
    const now = inspection.snapshot.pending.find((r) => r.requestId === offer.requestId);
    const changes = offerChanges(offer, now);
    const refusals =
      now && changes.length === 0
        ? checkRequest(now, {
            nowMs: c.now(),
            identity: inspection.snapshot.identity,
            paired: localPaired(inspection.snapshot),
            allowScopes: offer.scopes,
            expiryMarginMs: 0,
          })
        : [];
    const stop: { status: string; reasons: string[] } | null = blocked
      ? { status: "blocked", reasons: blocked }
      : changes.length > 0
        ? { status: "changed", reasons: [changes.join("; ")] }
        : refusals.length > 0
          ? {
              status: "refused",
              reasons: [`it is not safe to approve: ${refusals.map((r) => r.reason).join("; ")}`],
            }
          : null;
    if (stop) {
      const message = stop.reasons[0] ?? stop.status;
      const outcome = { status: stop.status, message, healed: false };
      try {
        await c.audit.append({
          at: new Date(c.now()).toISOString(),
          atMs: c.now(),
          ...base,
          phase: "decided",
          kind: "decision",
          action: "approve",
          deviceId: offer.deviceId,
          requestId: offer.requestId,
          scopes: offer.scopes,
          reasons: [...decision.reasons, ...stop.reasons, "Nothing was approved."],
          outcome,
        });
      } catch (err) {
        c.log.error({ err: errorMessage(err) }, "cannot write the audit log");
      }
      return ended(stop.status, message, inspection);
    }
    const result = await executeDecision(decision, {
      inspection,
      // the click grants exactly the scopes it listed, however near the request's expiry, and never a churned id
      cfg: {
        ...c.cfg,
        allowScopes: offer.scopes as RemediationConfig["allowScopes"],
        expiryMargin: 0,
        maxRetries: 0,
      },
      killFile: c.killFile,
      base,
      audit: c.audit,
      ledger: c.ledger,
      log: c.log,
      inspect: c.inspect,
      runner: c.runner,
      env: c.env,
      now: c.now,
      signal: c.signal,
      lockLost: () => held.lost(),
      secrets: c.secrets,
      retryDelayMs: c.retryDelayMs,
      ...(c.killGraceMs !== undefined ? { killGraceMs: c.killGraceMs } : {}),
      debug: (fields, msg) => c.log.debug(fields, msg),
      offer,
    });
    // what is pending now, for the notification that says what changed
    const last = result.outcome?.healed ? inspection : await c.inspect().catch(() => inspection);
    return { pass, decision: result, inspection: last };
  } finally {
    await held.release();
  }
}
