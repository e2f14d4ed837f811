// The notification policy's data: what it is given (findings, silences, config), what it keeps (per-group state,
// stored across restarts in notify-state.json), and what it decides (notifications, suppressions). Types only;
// the policy itself is policy/notify.ts.

import type { Finding, FindingCode, Severity } from "../common/types.js";
import type { NotifyConfig } from "../config/schema-notify.js";

export type NotificationKind =
  | "new"
  | "escalated"
  | "repeat"
  | "updated"
  | "recovered"
  | "flapping"
  | "rate-limited"
  /** The result of a click on a notification's Approve button (policy/approve-offer.ts), not decided here. */
  | "approval";

export interface NotifyMember {
  fingerprint: string;
  code: FindingCode;
  severity: Severity;
  finding: Finding;
}

/** What healed a group, as far as the pairing state shows it. */
export type RecoveryCause =
  | { kind: "approved"; requestId: string; scopes: string[] }
  | { kind: "scopes-restored"; scopes: string[] }
  | { kind: "cleared" };

export interface Notification {
  kind: NotificationKind;
  /** The group key: the same for every notification about one incident (dedupe key for receivers). */
  key: string;
  severity: Severity;
  atMs: number;
  /** When the incident opened (null for "rate-limited"). */
  openedAtMs: number | null;
  deviceId?: string;
  requestId?: string;
  /** The findings this is about, most severe first; silenced codes left out. */
  members: NotifyMember[];
  /** "escalated": the severity last sent. */
  previousSeverity?: Severity;
  /** "recovered": when and how it healed. */
  recovery?: { atMs: number; cause: RecoveryCause; afterFlapping: boolean };
  /** "flapping": how often it toggled, and whether it is open right now. */
  flap?: { transitions: number; withinMs: number; open: boolean; stableForMs: number };
  /** "rate-limited": what was held back. */
  held?: Held;
}

export interface Suppression {
  key: string;
  kind: NotificationKind;
  codes: FindingCode[];
  reason: "silenced" | "rate-limited";
  atMs: number;
}

/** A muted finding code until `untilMs` (src/actions/silences.ts reads them from silences.json). */
export interface Silence {
  code: string;
  untilMs: number;
}

export interface NotifyInput {
  /** Every finding of the evaluation; null on a timer tick (nothing new was read). */
  findings: readonly Finding[] | null;
  silences: readonly Silence[];
  /** The local device's pairing now, to say what healed an incident. */
  device?: { deviceId: string; approvedScopes: readonly string[] } | null;
}

export interface GroupState {
  key: string;
  /** Open members by fingerprint (severity >= minSeverity); empty while resolved. */
  members: Record<string, NotifyMember>;
  /** The members when it was last open, for the recovery and flapping texts. */
  lastMembers: NotifyMember[];
  openedAtMs: number;
  resolvedAtMs: number | null;
  cause: RecoveryCause | null;
  /** The user was told about the current (or just resolved) open period. */
  notified: boolean;
  peakSentSeverity: Severity | null;
  lastSentAtMs: number | null;
  /** Whether a notification of this open period already named a pending request (its id may churn since). */
  sentRequest: boolean;
  /** When a request of the group first became known after a notification without one ("updated" group wait). */
  requestSinceMs: number | null;
  /** When the unsilenced severity first rose above the peak sent (the escalation's group wait). */
  risingSinceMs: number | null;
  transitionsMs: number[];
  lastTransitionMs: number | null;
  flapping: { sinceMs: number; notified: boolean } | null;
  /** The last suppression reported, so a silenced change is logged once. */
  lastSuppressed: string | null;
}

export interface NotifyState {
  groups: Record<string, GroupState>;
  /** When each admitted notification went out, inside the rate-limit window. */
  sentAtMs: number[];
  held: Held | null;
}

/** Notifications held back by the rate limit, summarised once there is room. */
export interface Held {
  count: number;
  sinceMs: number;
  severity: Severity;
  codes: FindingCode[];
}

export interface NotifyDecision {
  notifications: Notification[];
  suppressed: Suppression[];
  next: NotifyState;
  /** Call decide() again at this time (a group wait, repeat, silence expiry, rate window); null: not needed. */
  wakeAtMs: number | null;
}

export type NotifyPolicyConfig = Pick<
  NotifyConfig,
  "minSeverity" | "repeatAfter" | "groupWait" | "sendResolved" | "rateLimit" | "flapping"
>;
