// What stops automatic remediation before any request is looked at: the mode, the store, the kill switch, the
// fail-closed rules (an unreadable openclaw.json or ledger, unsafe state folders, a changed device identity)
// and the bounds over past attempts (regression window, attempts per hour, backoff). Pure.

import type { Finding, PairingStore } from "../common/types.js";
import type { RemediationConfig } from "../config/schema-remediation.js";
import type { OpenClawVersion } from "../detect/version.js";

/** One automatic attempt recorded in the remediation ledger (status is null while it runs or if it never ended). */
export interface Attempt {
  atMs: number;
  deviceId: string;
  action: "approve" | "request-repair";
  status: string | null;
  healed: boolean;
}

/** The attempts on one OpenClaw state dir that the bounds need. */
export interface RemediationHistory {
  attempts: Attempt[];
}

export type PolicyConfig = Pick<
  RemediationConfig,
  "policy" | "maxPerHour" | "backoff" | "regressionWindow" | "expiryMargin"
> & { allowScopes: readonly string[] };

/** Everything that may stop automatic action, whatever the requests are. */
export interface BlockInput {
  nowMs: number;
  config: PolicyConfig;
  version: OpenClawVersion | null;
  store: PairingStore;
  history: RemediationHistory;
  /** Why the ledger of past attempts could not be read (fail closed: no bounds, no action), or null. */
  ledgerProblem: string | null;
  killSwitch: { active: boolean; file: string; problem?: string | null; haltReason?: string | null };
  /** Whether an `openclaw` executable was found to run the approval with. */
  haveCli: boolean;
  /** openclaw.json: gateway.mode as written, and why it could not be read when it exists but could not be. */
  openclawConfig: { file: string; mode: string | null; problem: string | null };
  /** The findings of the inspection the pass decides on (unsafe state folders, a changed identity block it). */
  findings: readonly Finding[];
}

/** Backoff wait after `failures` failed attempts in a row: initial, doubling, capped at max. */
export function backoffMs(failures: number, initialMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
}

interface Bounds {
  attemptsLastHour: number;
  lastHealAtMs: number | null;
  failuresInARow: number;
  lastAttemptAtMs: number | null;
}

const HOUR_MS = 3_600_000;

function boundsOf(history: RemediationHistory, deviceId: string, nowMs: number): Bounds {
  const mine = history.attempts.filter((a) => a.deviceId === deviceId).sort((a, b) => a.atMs - b.atMs);
  let failuresInARow = 0;
  for (let i = mine.length - 1; i >= 0 && !mine[i]?.healed; i--) failuresInARow++;
  const heals = mine.filter((a) => a.healed);
  return {
    attemptsLastHour: history.attempts.filter((a) => nowMs - a.atMs < HOUR_MS && a.atMs <= nowMs).length,
    lastHealAtMs: heals.at(-1)?.atMs ?? null,
    failuresInARow,
    lastAttemptAtMs: mine.at(-1)?.atMs ?? null,
  };
}

function minutes(ms: number): string {
  const m = ms / 60_000;
  return m >= 1 ? `${Math.round(m)} min` : `${Math.max(1, Math.round(ms / 1000))}s`;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

function killSwitchReason(k: BlockInput["killSwitch"]): string {
  if (k.problem)
    return `The kill switch ${k.file} ${k.problem}: it counts as on until the watchdog can see that it is absent.`;
  if (k.haltReason)
    return `The watchdog engaged its kill switch ${k.file} after an approval it could not verify (${k.haltReason}); automatic remediation is off until you have checked the pairing state and removed the file.`;
  return `The kill switch ${k.file} exists: automatic remediation is off until it is removed.`;
}

/** Fail-closed reasons that do not depend on the device's history, or null. */
function unsafeGround(input: Omit<BlockInput, "config" | "history">): string[] | null {
  const cfg = input.openclawConfig;
  if (cfg.problem)
    return [
      `${cfg.file} ${cfg.problem}: the watchdog cannot tell which gateway the CLI would talk to, so it does not act.`,
    ];
  if (cfg.mode !== null && cfg.mode !== "local")
    return [
      `openclaw.json sets gateway.mode to ${cfg.mode}: the CLI would talk to another machine's gateway, and the watchdog only acts on the local one.`,
    ];
  const unsafe = input.findings.filter((f) => f.code === "state-path-unsafe");
  if (unsafe.length > 0)
    return [
      `OpenClaw's state is not private to you (${unsafe.map((f) => f.file ?? f.message).join(", ")}): another account could plant the pairing state the watchdog would act on.`,
      "Fix the folders as the state-path-unsafe findings say; healing resumes on its own then.",
    ];
  if (input.findings.some((f) => f.code === "device-identity-changed"))
    return [
      "This machine's device identity changed (device-identity-changed): the watchdog approves nothing while it cannot vouch for the device.",
      "Check it with `openclaw devices list`; approve the request yourself if it is yours.",
    ];
  if (input.ledgerProblem)
    return [
      `The remediation ledger ${input.ledgerProblem}: without the record of past attempts the bounds cannot be kept, so nothing runs automatically.`,
      "Inspect the file; delete it to start a fresh record.",
    ];
  return null;
}

/** Reasons that stop any automatic action for now (mode, store, kill switch, fail-closed rules, bounds), or null. */
export function blockedBy(input: BlockInput, deviceId: string, regressed: boolean): string[] | null {
  const { config } = input;
  if (config.policy === "notify")
    return [
      "remediation.policy is notify: the watchdog explains and notifies, and changes nothing.",
      "Run the command yourself, or opt in to remediation.policy approve-local (with remediation.allowScopes).",
    ];
  if (input.store === "sqlite")
    return [
      "This OpenClaw (2026.8+) keeps pairing in SQLite and approves local scope upgrades itself (gateway.nodes.pairing.autoApproveLocal); the watchdog only reports here.",
    ];
  if (input.store !== "files" || !input.version)
    return [
      "The OpenClaw version is unknown, so the watchdog does not act; set openclaw.bin to the executable.",
    ];
  if (input.killSwitch.active) return [killSwitchReason(input.killSwitch)];
  if (!input.haveCli)
    return ["No openclaw executable was found to approve with; set openclaw.bin in the watchdog's config."];
  const ground = unsafeGround(input);
  if (ground) return ground;
  const b = boundsOf(input.history, deviceId, input.nowMs);
  if (regressed && b.lastHealAtMs !== null && input.nowMs - b.lastHealAtMs <= config.regressionWindow)
    return [
      `It lost its scopes again ${minutes(input.nowMs - b.lastHealAtMs)} after the watchdog healed it (${isoTime(b.lastHealAtMs)}), within remediation.regressionWindow (${minutes(config.regressionWindow)}): escalated to you instead of healing it in a loop.`,
      "Something keeps re-pairing the device narrowly, e.g. a status probe, a second OpenClaw profile on the same state, or a client started before an upgrade.",
    ];
  if (b.attemptsLastHour >= config.maxPerHour)
    return [
      `The watchdog already made ${b.attemptsLastHour} automatic attempts in the last hour (remediation.maxPerHour ${config.maxPerHour}).`,
    ];
  return null;
}

/**
 * What stops an approve a person asked for with a notification's Approve button: not the policy or the rate
 * bounds (the click is the human decision), but the store, the kill switch, a missing CLI and every fail-closed
 * rule; null when it may run.
 */
export function clickBlockedBy(input: Omit<BlockInput, "config" | "history">): string[] | null {
  if (input.store !== "files" || !input.version)
    return [
      "This OpenClaw's pairing store is not the one the watchdog approves in (2026.4.x to 2026.7.x files).",
    ];
  if (input.killSwitch.active) return [killSwitchReason(input.killSwitch)];
  if (!input.haveCli)
    return ["No openclaw executable was found to approve with; set openclaw.bin in the watchdog's config."];
  return unsafeGround(input);
}

/** Why the next attempt waits (backoff after failures in a row), or null. */
export function backoffWait(input: BlockInput, deviceId: string): string | null {
  const b = boundsOf(input.history, deviceId, input.nowMs);
  if (b.failuresInARow === 0 || b.lastAttemptAtMs === null) return null;
  const wait = backoffMs(b.failuresInARow, input.config.backoff.initial, input.config.backoff.max);
  const next = b.lastAttemptAtMs + wait;
  return input.nowMs < next
    ? `The last ${b.failuresInARow} attempt(s) did not heal it; the next attempt waits until ${isoTime(next)} (backoff).`
    : null;
}
