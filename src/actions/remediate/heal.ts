// One heal, for a decision to approve or to re-pair: list (the CLI's own connect may create the request),
// re-read the state and re-check every guard on the request found, approve it, then verify: what changed must
// be exactly what was approved (policy/verify-approval.ts), or the kill switch is engaged with the reason; and
// the device is called healed only when the re-read state shows it. Each command is audited before and after.

import { errorMessage } from "../../common/errors.js";
import { approvedBaseline, localPaired } from "../../common/pairing.js";
import { excerpt } from "../../common/redact.js";
import { formatScopes, missingScopes, normalizeScopes } from "../../common/scopes.js";
import type { PendingRequest } from "../../common/types.js";
import type { RemediationConfig } from "../../config/schema-remediation.js";
import { checkRequest } from "../../detect/guards.js";
import type { Inspection } from "../../detect/inspection.js";
import { type ApproveOffer, offerChanges } from "../../policy/approve-offer.js";
import { type Decision, missingForDevice } from "../../policy/remediate.js";
import { verifyApproval } from "../../policy/verify-approval.js";
import type { ProcessRunner, RunResult } from "../process-runner.js";
import type { AuditEntry, AuditLog, AuditOutcome } from "./audit-log.js";
import { engageKillSwitch, readKillSwitch } from "./kill-switch.js";
import { createOpenClawCli, type OpenClawCli } from "./openclaw-cli.js";

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

/** Audit fields every entry of a pass shares. */
export type AuditBase = Pick<AuditEntry, "pass" | "policy" | "dryRun" | "stateDir" | "by">;

export interface HealContext {
  decision: Decision;
  inspection: Inspection;
  cfg: RemediationConfig;
  killFile: string;
  base: AuditBase;
  attempt: string;
  audit: AuditLog;
  inspect: () => Promise<Inspection>;
  runner: ProcessRunner;
  env: NodeJS.ProcessEnv;
  now: () => number;
  signal: AbortSignal;
  /** Why the remediation lock was lost mid-pass, or null. */
  lockLost: () => string | null;
  secrets: () => string[];
  retryDelayMs: number;
  killGraceMs?: number;
  debug: (fields: Record<string, unknown>, msg: string) => void;
  /**
   * A person's click on a notification's Approve: only this exact request (same id, device, key, roles and
   * scopes) is approved, never the id it churned to; a change ends the heal with status "changed".
   */
  offer?: ApproveOffer;
}

class StopPass extends Error {
  /** The command had run (and was killed): what it changed must still be verified. */
  ran = false;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

function pendingOf(i: Inspection, target: string | undefined): PendingRequest | undefined {
  const id = i.snapshot.identity?.deviceId;
  const mine = i.snapshot.pending.filter((r) => r.deviceId === id).sort((a, b) => b.ts - a.ts);
  return mine.find((r) => r.requestId === target) ?? mine[0];
}

function baselineText(i: Inspection): string {
  const paired = localPaired(i.snapshot);
  return paired ? formatScopes(approvedBaseline(paired)) : "(not paired)";
}

/** Runs one command through the CLI with its audit entries, stopping first when it must not run any more. */
function stepper(c: HealContext, cli: OpenClawCli) {
  return async <T extends { run: RunResult; problem: string | null }>(
    command: string,
    requestId: string | undefined,
    run: (cli: OpenClawCli) => Promise<T>,
  ): Promise<T> => {
    if (c.signal.aborted) throw new StopPass("the watchdog is stopping");
    const lost = c.lockLost();
    if (lost) throw new StopPass(`the remediation lock was lost (${lost})`);
    if ((await readKillSwitch(c.killFile)).active)
      throw new StopPass(`the kill switch ${c.killFile} appeared`);
    const d = c.decision;
    const at = () => ({ at: new Date(c.now()).toISOString(), atMs: c.now() });
    const common = { ...c.base, kind: "command" as const, action: d.action, attempt: c.attempt, command };
    const ids = { ...(d.deviceId ? { deviceId: d.deviceId } : {}), ...(requestId ? { requestId } : {}) };
    await c.audit.append({ ...at(), ...common, ...ids, phase: "before" });
    const r = await run(cli);
    const stopped = c.signal.aborted;
    const result = {
      exitCode: r.run.exitCode,
      signal: r.run.signal,
      timedOut: r.run.timedOut,
      killedWith: r.run.killedWith,
      durationMs: r.run.durationMs,
      ...("status" in r ? { status: r.status } : {}),
      ...("fallback" in r ? { fallback: r.fallback } : {}),
      ...(r.problem ? { problem: r.problem } : {}),
      ...(r.run.stderr ? { stderr: excerpt(r.run.stderr, c.secrets(), 400) } : {}),
    };
    await c.audit.append({ ...at(), ...common, ...ids, phase: "after", result });
    c.debug({ action: d.action, requestId, command, ...result }, "openclaw command finished");
    if (stopped) {
      const stop = new StopPass(`the watchdog stopped while \`${command}\` ran; it was killed`);
      stop.ran = true;
      throw stop;
    }
    return r;
  };
}

/**
 * How the approve loop ended: with a request approved (to verify), or with an outcome. `before` is the state
 * before the first approve ran, and `after` the state read last, when an approve ran at all.
 */
type LoopEnd =
  | { approved: PendingRequest; before: Inspection; note: string; stopped?: boolean }
  | { outcome: AuditOutcome; before?: Inspection; after?: Inspection };

/** List, re-check, approve; again with the device's newest request when the id churned. */
async function approveLoop(c: HealContext, step: ReturnType<typeof stepper>): Promise<LoopEnd> {
  const d = c.decision;
  let target = d.action === "approve" ? d.requestId : undefined;
  let before: Inspection | undefined;
  for (let churns = 0; ; churns++) {
    const list = await step("openclaw devices list --json", undefined, (cli) => cli.list());
    if (!list.ok)
      return {
        outcome: {
          status: "failed",
          message: `openclaw devices list failed: ${list.problem}`,
          healed: false,
        },
        ...(before ? { before } : {}),
      };
    const now = await c.inspect();
    const seen = before ? { before, after: now } : {};
    const offer = c.offer;
    const local = offer
      ? now.snapshot.pending.find((r) => r.requestId === offer.requestId)
      : pendingOf(now, target);
    const changes = offer && (local || !isHealed(now, offer.scopes)) ? offerChanges(offer, local) : [];
    if (changes.length > 0)
      return { outcome: { status: "changed", message: changes.join("; "), healed: false }, ...seen };
    if (!local) {
      if (isHealed(now, d.scopes ?? []))
        return {
          outcome: {
            status: "healed",
            message: "already healed when re-read (approved elsewhere)",
            healed: true,
          },
          ...seen,
        };
      const message =
        d.action === "request-repair"
          ? "OpenClaw did not create a pending request for this device when its CLI connected"
          : "no pending request for this device any more (expired or handled elsewhere)";
      return { outcome: { status: "failed", message, healed: false }, ...seen };
    }
    const refusals = checkRequest(local, {
      nowMs: c.now(),
      identity: now.snapshot.identity,
      paired: localPaired(now.snapshot),
      allowScopes: c.cfg.allowScopes,
      expiryMarginMs: c.cfg.expiryMargin,
    });
    if (refusals.length > 0)
      return {
        outcome: {
          status: "refused",
          message: `request ${local.requestId} not approved: ${refusals.map((r) => r.reason).join("; ")}`,
          healed: false,
        },
        ...seen,
      };
    // the state every later change is compared with: as it was before the first approve ran
    before ??= now;
    let res: Awaited<ReturnType<OpenClawCli["approve"]>>;
    try {
      res = await step(`openclaw devices approve ${local.requestId} --json`, local.requestId, (cli) =>
        cli.approve(local.requestId),
      );
    } catch (err) {
      // stopped while the approve ran: it may have written anything, so it is verified all the same
      if (err instanceof StopPass && err.ran)
        return { approved: local, before, note: ` (${err.message})`, stopped: true };
      throw err;
    }
    if (offer && res.status === "unknown-request")
      return {
        outcome: {
          status: "changed",
          message: `request ${offer.requestId} was replaced while it was being approved (the gateway answered unknown requestId): nothing of it was approved`,
          healed: false,
        },
        before,
      };
    if (res.status !== "unknown-request") {
      const how =
        res.status === "approved"
          ? ""
          : ` (approve ended: ${res.status}${res.problem ? `, ${res.problem}` : ""})`;
      return { approved: local, before, note: how };
    }
    if (churns >= c.cfg.maxRetries)
      return {
        approved: local,
        before,
        note: ` (the request id changed ${churns + 1} times; gave up after remediation.maxRetries ${c.cfg.maxRetries})`,
      };
    target = undefined; // take the device's newest request after listing again
    await sleep(c.retryDelayMs);
  }
}

/** Heals one decision; every way it ends is an outcome (only a programming error throws). */
export async function runHeal(c: HealContext): Promise<AuditOutcome> {
  const bin = c.inspection.install.bin;
  if (!bin) return { status: "failed", message: "no openclaw executable", healed: false };
  const cli = createOpenClawCli({
    bin,
    runner: c.runner,
    env: c.env,
    stateDir: c.inspection.location.stateDir,
    configPath: c.inspection.location.configPath,
    gatewayPort: c.inspection.location.portOverride,
    timeoutMs: c.cfg.cliTimeout,
    ...(c.killGraceMs !== undefined ? { killGraceMs: c.killGraceMs } : {}),
    signal: c.signal,
  });
  let end: LoopEnd;
  try {
    end = await approveLoop(c, stepper(c, cli));
  } catch (err) {
    if (err instanceof StopPass) return { status: "stopped", message: err.message, healed: false };
    return { status: "failed", message: errorMessage(err), healed: false };
  }
  if ("approved" in end) {
    const verified = await verify(c, end);
    return end.stopped && verified.status === "not-healed" ? { ...verified, status: "stopped" } : verified;
  }
  if (!end.before) return end.outcome;
  // an approve ran before the loop ended otherwise (a churned id): what it changed is checked all the same
  const after = end.after ?? (await c.inspect().catch(() => null));
  if (!after) return { ...end.outcome, message: `${end.outcome.message}; the state could not be re-read` };
  const differences = verifyApproval({
    before: end.before.snapshot,
    after: after.snapshot,
    allowScopes: c.cfg.allowScopes,
  });
  return differences.length > 0 ? halt(c, differences, {}, "") : end.outcome;
}

/** After an approve: the change must be what was approved (else halt), and the device must be healed. */
async function verify(
  c: HealContext,
  a: Extract<LoopEnd, { approved: PendingRequest }>,
): Promise<AuditOutcome> {
  let after: Inspection;
  try {
    after = await c.inspect();
  } catch (err) {
    return {
      status: "unverified",
      message: `cannot re-read the state: ${errorMessage(err)}${a.note}`,
      healed: false,
    };
  }
  const approved = {
    approvedRequestId: a.approved.requestId,
    approvedScopes: normalizeScopes(a.approved.scopes),
  };
  const differences = verifyApproval({
    before: a.before.snapshot,
    after: after.snapshot,
    allowScopes: c.cfg.allowScopes,
  });
  if (differences.length > 0) return halt(c, differences, approved, a.note);
  if (isHealed(after, a.approved.scopes))
    return {
      status: "healed",
      message: `verified by re-reading the state: the device now holds ${baselineText(after)}${a.note}`,
      healed: true,
      ...approved,
    };
  return {
    status: "not-healed",
    message: `re-reading the state shows the device still lacks what it needs${a.note}`,
    healed: false,
    ...approved,
  };
}

/** The approve changed what it must not: engage the kill switch with why; the finding and notification follow. */
async function halt(
  c: HealContext,
  differences: string[],
  approved: Pick<AuditOutcome, "approvedRequestId" | "approvedScopes">,
  note: string,
): Promise<AuditOutcome> {
  const what = approved.approvedRequestId ? `approving request ${approved.approvedRequestId}` : "an approve";
  const reason = `${what} changed more than was approved: ${differences.join("; ")}`;
  let engaged = `the kill switch ${c.killFile} is engaged`;
  try {
    await engageKillSwitch(c.killFile, { reason, atMs: c.now(), pass: c.base.pass, details: differences });
  } catch (err) {
    engaged = `the kill switch ${c.killFile} could not be written (${errorMessage(err)}); remove nothing and check the pairing state`;
  }
  return { status: "halted", message: `${reason}; ${engaged}${note}`, healed: false, ...approved };
}
