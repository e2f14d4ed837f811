// When to notify: (state, what one evaluation found or a timer tick, now, config) -> notifications. Pure.
//
// Unit of notification: a GROUP, keyed by device (`device:<deviceId>`), else by the finding's fingerprint. The
// findings the daemon raises for one narrowed device (baseline-missing-scope, scope-upgrade-pending,
// scope-regression, pairing-required-close) arrive within milliseconds of each other from file and log
// events; the group waits `groupWait` after it opens, then sends ONE notification naming all of them.
//
// Per group (first match wins; "unsilenced" = members whose code is not silenced now):
//   flapping (>= flapping.transitions open/resolve toggles within flapping.within), not yet reported
//                                                   -> "flapping" once; nothing else until stable
//   open, not notified, now >= openedAt + groupWait -> "new"       (all silenced: logged once, not sent)
//   open, notified, unsilenced severity > sent peak for groupWait
//                                                   -> "escalated"
//   open, notified, critical, now >= lastSent + repeatAfter
//                                                   -> "repeat"
//   open, notified without a request id, a pending request of the group now known, for groupWait
//                                                   -> "updated" once: the exact approve command is available
//                                                      (later request-id churn sends nothing)
//   resolved, notified, now >= resolvedAt + groupWait (stableFor after flapping)
//                                                   -> "recovered" once (if sendResolved), saying what healed it
// Every notification passes a global rate limit (rateLimit.max per rateLimit.per); the excess is marked as
// sent (never retried) and summarised once in a "rate-limited" notification when the window has room.
// The findings of each evaluation are the truth (not the incident events): open/resolved is recomputed each
// time, so a skipped evaluation cannot make a notification repeat or go missing. The state is plain data the
// caller keeps, and stores across restarts (notify-state.json): after a restart an incident still open is not
// told again, one that healed meanwhile is told once, and repeats, flapping and the rate-limit window go on.
// Times are absolute ms; a time ahead of now (the clock went back) counts as now, so a wait never grows past
// its configured length, and one long overdue (the clock jumped ahead) fires once, then waits its full length.

import { missingScopes, normalizeScopes } from "../common/scopes.js";
import type { Finding, Severity } from "../common/types.js";
import { fingerprint } from "./incidents.js";
import { clampToNow } from "./notify-state.js";
import type {
  GroupState,
  Notification,
  NotificationKind,
  NotifyDecision,
  NotifyInput,
  NotifyMember,
  NotifyPolicyConfig,
  NotifyState,
  RecoveryCause,
  Silence,
  Suppression,
} from "./notify-types.js";

export type * from "./notify-types.js";

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** No groups, nothing sent. */
export function emptyNotifyState(): NotifyState {
  return { groups: {}, sentAtMs: [], held: null };
}

/** The group a finding belongs to: its device, else its own fingerprint. */
export function groupKey(f: Finding): string {
  return f.deviceId ? `device:${f.deviceId}` : `finding:${fingerprint(f)}`;
}

function maxSeverity(members: readonly NotifyMember[]): Severity | null {
  let best: Severity | null = null;
  for (const m of members) if (best === null || RANK[m.severity] > RANK[best]) best = m.severity;
  return best;
}

function sorted(members: readonly NotifyMember[]): NotifyMember[] {
  return [...members].sort((a, b) => RANK[b.severity] - RANK[a.severity]);
}

function silencedAt(silences: readonly Silence[], code: string, nowMs: number): boolean {
  return silences.some((s) => s.code === code && s.untilMs > nowMs);
}

/** Says what healed a group: an approved request, restored scopes, or just "the findings cleared". */
function recoveryCause(members: readonly NotifyMember[], device: NotifyInput["device"]): RecoveryCause {
  if (!device) return { kind: "cleared" };
  const mine = members.filter((m) => m.finding.deviceId === device.deviceId);
  // a pending request's scopes are what it asked for; other findings carry only the missing ones
  const requests = [
    ...mine.filter((m) => m.code === "scope-upgrade-pending"),
    ...mine.filter((m) => m.code !== "scope-upgrade-pending"),
  ];
  for (const m of requests) {
    const { requestId, scopes } = m.finding;
    if (requestId && scopes?.length && missingScopes(device.approvedScopes, scopes).length === 0)
      return { kind: "approved", requestId, scopes: normalizeScopes(scopes) };
  }
  const lacking = mine
    .filter((m) => m.code === "baseline-missing-scope" || m.code === "scope-regression")
    .flatMap((m) => m.finding.scopes ?? []);
  if (lacking.length > 0 && missingScopes(device.approvedScopes, lacking).length === 0)
    return { kind: "scopes-restored", scopes: normalizeScopes(device.approvedScopes) };
  return { kind: "cleared" };
}

function byFingerprint(members: readonly NotifyMember[]): Record<string, NotifyMember> {
  return Object.fromEntries(members.map((m) => [m.fingerprint, m]));
}

function newGroup(key: string, nowMs: number): GroupState {
  return {
    key,
    members: {},
    lastMembers: [],
    openedAtMs: nowMs,
    resolvedAtMs: null,
    cause: null,
    notified: false,
    peakSentSeverity: null,
    lastSentAtMs: null,
    sentRequest: false,
    requestSinceMs: null,
    risingSinceMs: null,
    transitionsMs: [],
    lastTransitionMs: null,
    flapping: null,
    lastSuppressed: null,
  };
}

/** Folds one evaluation's findings into the groups: who is open, toggles for flapping, what healed. */
function observe(
  groups: Record<string, GroupState>,
  input: NotifyInput,
  findings: readonly Finding[],
  nowMs: number,
  cfg: NotifyPolicyConfig,
): void {
  const current = new Map<string, Record<string, NotifyMember>>();
  for (const f of findings) {
    if (RANK[f.severity] < RANK[cfg.minSeverity]) continue;
    const key = groupKey(f);
    const fp = fingerprint(f);
    const members = current.get(key) ?? {};
    members[fp] ??= { fingerprint: fp, code: f.code, severity: f.severity, finding: f };
    current.set(key, members);
  }
  for (const key of new Set([...Object.keys(groups), ...current.keys()])) {
    const existed = groups[key];
    const g = existed ?? newGroup(key, nowMs);
    groups[key] = g;
    const wasOpen = Object.keys(g.members).length > 0;
    const members = current.get(key) ?? {};
    const isOpen = Object.keys(members).length > 0;
    // a toggle for flapping; a group's first opening is not one
    if (wasOpen !== isOpen && existed !== undefined) {
      g.transitionsMs.push(nowMs);
      g.lastTransitionMs = nowMs;
      const recent = g.transitionsMs.filter((t) => t > nowMs - cfg.flapping.within);
      if (!g.flapping && recent.length >= cfg.flapping.transitions)
        g.flapping = { sinceMs: nowMs, notified: false };
    }
    if (!wasOpen && isOpen) {
      // a reopen before the recovery went out continues the same incident
      if (!g.notified) {
        g.openedAtMs = nowMs;
        g.lastMembers = [];
      }
      g.resolvedAtMs = null;
      g.cause = null;
    }
    // every member the incident had, each as last seen: one that cleared before the rest (the pending request
    // goes from pending.json a moment before paired.json holds its scopes) is still told cleared, and names the
    // request that healed it
    if (isOpen) g.lastMembers = sorted(Object.values({ ...byFingerprint(g.lastMembers), ...members }));
    if (wasOpen && !isOpen) {
      g.resolvedAtMs = nowMs;
      g.cause = recoveryCause(g.lastMembers, input.device);
    }
    g.members = members;
  }
}

interface Ctx {
  nowMs: number;
  cfg: NotifyPolicyConfig;
  silences: readonly Silence[];
  out: Notification[];
  suppressed: Suppression[];
  wakes: number[];
  state: NotifyState;
}

function wakeAt(ctx: Ctx, atMs: number): void {
  if (atMs > ctx.nowMs) ctx.wakes.push(atMs);
}

/** Rate limit: true when the notification may go out now; otherwise it is counted for the summary. */
function admit(ctx: Ctx, n: Notification): boolean {
  const s = ctx.state;
  if (s.sentAtMs.length < ctx.cfg.rateLimit.max) {
    s.sentAtMs.push(ctx.nowMs);
    return true;
  }
  const codes = n.members.map((m) => m.code);
  const prev = s.held;
  s.held = prev
    ? {
        count: prev.count + 1,
        sinceMs: prev.sinceMs,
        severity: RANK[n.severity] > RANK[prev.severity] ? n.severity : prev.severity,
        codes: [...new Set([...prev.codes, ...codes])],
      }
    : { count: 1, sinceMs: ctx.nowMs, severity: n.severity, codes: [...new Set(codes)] };
  ctx.suppressed.push({ key: n.key, kind: n.kind, codes, reason: "rate-limited", atMs: ctx.nowMs });
  return false;
}

/**
 * Emits `kind` about the unsilenced `members`, through the rate limit (held back counts as decided); false when
 * every member is silenced (reported once per kind and codes, and a wake-up asked for when the silence ends).
 */
function emit(
  ctx: Ctx,
  g: GroupState,
  kind: NotificationKind,
  members: readonly NotifyMember[],
  extra: Partial<Notification> = {},
): boolean {
  const unsilenced = members.filter((m) => !silencedAt(ctx.silences, m.code, ctx.nowMs));
  if (unsilenced.length === 0) {
    const codes = [...new Set(members.map((m) => m.code))];
    const signature = `${kind}:${codes.join(",")}`;
    if (g.lastSuppressed !== signature)
      ctx.suppressed.push({ key: g.key, kind, codes, reason: "silenced", atMs: ctx.nowMs });
    g.lastSuppressed = signature;
    for (const s of ctx.silences) if (codes.some((c) => c === s.code)) wakeAt(ctx, s.untilMs);
    return false;
  }
  g.lastSuppressed = null;
  const top = sorted(unsilenced);
  const deviceId = top.find((m) => m.finding.deviceId)?.finding.deviceId;
  const requestId = top.find((m) => m.finding.requestId)?.finding.requestId;
  const n: Notification = {
    kind,
    key: g.key,
    severity: maxSeverity(top) ?? "info",
    atMs: ctx.nowMs,
    openedAtMs: g.openedAtMs,
    members: top,
    ...(deviceId ? { deviceId } : {}),
    ...(requestId ? { requestId } : {}),
    ...extra,
  };
  if (admit(ctx, n)) ctx.out.push(n);
  return true;
}

/** The request id a notification about `members` names (the most severe member that has one). */
function requestOf(members: readonly NotifyMember[]): string | undefined {
  return sorted(members).find((m) => m.finding.requestId)?.finding.requestId;
}

function markSent(
  ctx: Ctx,
  g: GroupState,
  severity: Severity | null,
  members: readonly NotifyMember[] = [],
): void {
  g.notified = true;
  g.lastSentAtMs = ctx.nowMs;
  g.risingSinceMs = null;
  g.requestSinceMs = null;
  if (requestOf(members.filter((m) => !silencedAt(ctx.silences, m.code, ctx.nowMs)))) g.sentRequest = true;
  if (severity && (g.peakSentSeverity === null || RANK[severity] > RANK[g.peakSentSeverity]))
    g.peakSentSeverity = severity;
}

function decideFlapping(ctx: Ctx, g: GroupState, open: boolean): void {
  const flap = g.flapping;
  if (!flap) return;
  const last = g.lastTransitionMs ?? flap.sinceMs;
  if (ctx.nowMs - last >= ctx.cfg.flapping.stableFor) {
    g.flapping = null; // stable again: the open/resolved rules below take over
    return;
  }
  wakeAt(ctx, last + ctx.cfg.flapping.stableFor);
  if (flap.notified) return;
  flap.notified = true;
  const members = open ? Object.values(g.members) : g.lastMembers;
  const withinMs = ctx.cfg.flapping.within;
  const transitions = g.transitionsMs.filter((t) => t > ctx.nowMs - withinMs).length;
  const sent = emit(ctx, g, "flapping", members, {
    flap: { transitions, withinMs, open, stableForMs: ctx.cfg.flapping.stableFor },
  });
  if (sent) markSent(ctx, g, maxSeverity(members), members);
}

function decideOpen(ctx: Ctx, g: GroupState): void {
  const { nowMs, cfg } = ctx;
  const members = Object.values(g.members);
  const sev = maxSeverity(members.filter((m) => !silencedAt(ctx.silences, m.code, nowMs)));
  const peak = g.peakSentSeverity;
  const rising = g.notified && sev !== null && peak !== null && RANK[sev] > RANK[peak];
  if (!rising) g.risingSinceMs = null;
  else g.risingSinceMs ??= nowMs;
  const requestNow =
    g.notified &&
    !g.sentRequest &&
    requestOf(members.filter((m) => !silencedAt(ctx.silences, m.code, nowMs)));
  if (!requestNow) g.requestSinceMs = null;
  else g.requestSinceMs ??= nowMs;
  const kind: NotificationKind | null = !g.notified
    ? "new"
    : rising
      ? "escalated"
      : requestNow
        ? "updated"
        : sev === "critical"
          ? "repeat"
          : null;
  if (kind === null) return;
  const due =
    kind === "new"
      ? g.openedAtMs + cfg.groupWait
      : kind === "escalated"
        ? (g.risingSinceMs ?? nowMs) + cfg.groupWait
        : kind === "updated"
          ? (g.requestSinceMs ?? nowMs) + cfg.groupWait
          : (g.lastSentAtMs ?? nowMs) + cfg.repeatAfter;
  if (nowMs < due) {
    wakeAt(ctx, due);
    return;
  }
  // silenced: logged once; a "new" or "repeat" goes out as soon as the silence ends
  const extra = kind === "escalated" && peak ? { previousSeverity: peak } : {};
  if (!emit(ctx, g, kind, members, extra)) return;
  markSent(ctx, g, sev, members);
  if (sev === "critical") wakeAt(ctx, nowMs + cfg.repeatAfter);
}

function decideResolved(ctx: Ctx, g: GroupState, afterFlapping: boolean): void {
  if (!g.notified || g.resolvedAtMs === null) return;
  const due = g.resolvedAtMs + (afterFlapping ? 0 : ctx.cfg.groupWait);
  if (ctx.nowMs < due) {
    wakeAt(ctx, due);
    return;
  }
  if (ctx.cfg.sendResolved) {
    emit(ctx, g, "recovered", g.lastMembers, {
      severity: g.peakSentSeverity ?? maxSeverity(g.lastMembers) ?? "info",
      recovery: { atMs: g.resolvedAtMs, cause: g.cause ?? { kind: "cleared" }, afterFlapping },
    });
  }
  g.notified = false;
  g.peakSentSeverity = null;
  g.lastSentAtMs = null;
  g.risingSinceMs = null;
  g.sentRequest = false;
  g.requestSinceMs = null;
}

function summarizeHeld(ctx: Ctx): void {
  const s = ctx.state;
  const held = s.held;
  if (!held) return;
  if (s.sentAtMs.length >= ctx.cfg.rateLimit.max) {
    const oldest = s.sentAtMs[0];
    if (oldest !== undefined) wakeAt(ctx, oldest + ctx.cfg.rateLimit.per);
    return;
  }
  s.sentAtMs.push(ctx.nowMs);
  s.held = null;
  ctx.out.push({
    kind: "rate-limited",
    key: "rate-limit",
    severity: held.severity,
    atMs: ctx.nowMs,
    openedAtMs: null,
    members: [],
    held,
  });
}

function clone(state: NotifyState): NotifyState {
  return structuredClone(state);
}

/** Decides what to notify now; returns the notifications, what was held back and why, and the next state. */
export function decide(
  state: NotifyState,
  input: NotifyInput,
  nowMs: number,
  cfg: NotifyPolicyConfig,
): NotifyDecision {
  const next = clone(state);
  clampToNow(next, nowMs);
  next.sentAtMs = next.sentAtMs.filter((t) => t > nowMs - cfg.rateLimit.per);
  if (input.findings) observe(next.groups, input, input.findings, nowMs, cfg);
  const ctx: Ctx = { nowMs, cfg, silences: input.silences, out: [], suppressed: [], wakes: [], state: next };
  summarizeHeld(ctx);
  for (const key of Object.keys(next.groups).sort()) {
    const g = next.groups[key];
    if (!g) continue;
    g.transitionsMs = g.transitionsMs.filter((t) => t > nowMs - cfg.flapping.within);
    const open = Object.keys(g.members).length > 0;
    const wasFlapping = g.flapping !== null;
    decideFlapping(ctx, g, open);
    if (g.flapping) continue;
    if (open) decideOpen(ctx, g);
    else decideResolved(ctx, g, wasFlapping);
    // toggles older than the flapping window are forgotten on a later call; no timer is needed for that
    if (!open && !g.notified && g.transitionsMs.length === 0) delete next.groups[key];
  }
  summarizeHeld(ctx);
  const wakeAtMs = ctx.wakes.length > 0 ? Math.min(...ctx.wakes) : null;
  return { notifications: ctx.out, suppressed: ctx.suppressed, next, wakeAtMs };
}
