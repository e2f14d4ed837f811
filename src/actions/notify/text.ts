// How a decided notification reads: title, body and the webhook body, built only from finding fields meant
// for people (message, impact, fix) and scrubbed of secrets. Pure (time zone and host passed in).

import { codeInfo } from "../../common/finding-codes.js";
import { redact } from "../../common/redact.js";
import { type ClickResult, clickResultText } from "../../policy/approve-offer.js";
import type { Notification, NotifyMember, RecoveryCause } from "../../policy/notify.js";
import type { Rendered, WebhookPayload } from "./channel.js";

export interface RenderOptions {
  hostname: string;
  secrets: readonly string[];
  /** IANA zone for clock times in the text; undefined: the machine's. */
  timeZone?: string | undefined;
}

function clock(ms: number, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
    timeZone,
  }).format(ms);
}

function span(ms: number): string {
  const min = Math.max(1, Math.round(ms / 60_000));
  if (min < 90) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
}

function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}

/** The member whose fix to show: one that approves a specific request first, else the most severe with a fix. */
function fixOf(members: readonly NotifyMember[]): NotifyMember | undefined {
  return (
    members.find(
      (m) => m.finding.fix && m.finding.requestId && m.finding.fix.command.includes(m.finding.requestId),
    ) ?? members.find((m) => m.finding.fix)
  );
}

function impactOf(members: readonly NotifyMember[]): string | undefined {
  const rank = (m: NotifyMember) => codeInfo(m.code).impactPriority ?? Number.POSITIVE_INFINITY;
  const withImpact = members.filter((m) => m.finding.impact);
  return withImpact.reduce<NotifyMember | undefined>(
    (best, m) => (!best || rank(m) < rank(best) ? m : best),
    undefined,
  )?.finding.impact;
}

function problemLines(n: Notification): string[] {
  const [primary, ...others] = n.members;
  if (!primary) return [];
  const lines = [primary.finding.message];
  const impact = impactOf(n.members);
  if (impact) lines.push(`Affected: ${impact}`);
  const fix = fixOf(n.members)?.finding.fix;
  if (fix) lines.push(`Fix: ${fix.command}`);
  if (others.length > 0) lines.push(`Also: ${others.map((m) => m.code).join(", ")}.`);
  return lines;
}

function recoveryLine(cause: RecoveryCause, atMs: number, deviceId: string | undefined, tz?: string): string {
  const at = clock(atMs, tz);
  const device = deviceId ? `device ${shortId(deviceId)}` : "the device";
  switch (cause.kind) {
    case "approved":
      return `Healed at ${at}, by approval of request ${cause.requestId}: ${device} now has ${cause.scopes.join(", ")}.`;
    case "scopes-restored":
      return `Healed at ${at}: ${device} has the scopes it needs again (${cause.scopes.join(", ")}).`;
    case "cleared":
      return `Resolved at ${at}: the watchdog no longer sees this problem.`;
  }
}

function titleOf(n: Notification): string {
  const primary = n.members[0];
  // a profile other than the default one is named: the watchdog may watch several OpenClaw states
  const profile = primary?.finding.profile ? ` (profile ${primary.finding.profile})` : "";
  const headline = `${primary ? codeInfo(primary.code).headline : "OpenClaw pairing problem"}${profile}`;
  switch (n.kind) {
    case "new":
      return headline;
    case "escalated":
      return `Worse: ${headline}`;
    case "repeat":
      return `Still open: ${headline}`;
    case "updated":
      return n.requestId ? `Fix ready: approve request ${n.requestId.slice(0, 8)}` : `Update: ${headline}`;
    case "recovered":
      return `Healed: ${headline}`;
    case "flapping":
      return `Flapping: ${headline}`;
    case "approval":
      return headline;
    case "rate-limited":
      return `OpenClaw watchdog held back ${n.held?.count ?? 0} notification${n.held?.count === 1 ? "" : "s"}`;
  }
}

function bodyLines(n: Notification, tz: string | undefined): string[] {
  const openFor = n.openedAtMs === null ? "" : span(n.atMs - n.openedAtMs);
  switch (n.kind) {
    case "new":
      return problemLines(n);
    case "escalated":
      return [`Now ${n.severity} (was ${n.previousSeverity ?? "lower"}).`, ...problemLines(n)];
    case "repeat":
      return [`Still open after ${openFor}.`, ...problemLines(n)];
    case "updated":
      return [`A pending request now lets you fix it (open ${openFor}).`, ...problemLines(n)];
    case "recovered": {
      const r = n.recovery;
      const lines = r ? [recoveryLine(r.cause, r.atMs, n.deviceId, tz)] : [];
      if (r?.afterFlapping) lines.push("It has stayed resolved since, after flapping.");
      lines.push(`Cleared: ${n.members.map((m) => m.code).join(", ")} (open ${openFor}).`);
      return lines;
    }
    case "flapping": {
      const f = n.flap;
      const lines = f
        ? [
            `It opened and resolved ${f.transitions} times in ${span(f.withinMs)}; it is ${f.open ? "open" : "resolved"} now.`,
            `The watchdog reports it again once it has been stable for ${span(f.stableForMs)}.`,
          ]
        : [];
      return [...lines, ...problemLines(n)];
    }
    case "approval":
      return problemLines(n);
    case "rate-limited": {
      const h = n.held;
      return h
        ? [
            `${h.count} notification${h.count === 1 ? " was" : "s were"} not sent since ${clock(h.sinceMs, tz)} to stay under the rate limit (notify.rateLimit).`,
            `Codes: ${h.codes.join(", ")}. Run: scope-watchdog check`,
          ]
        : [];
    }
  }
}

/** Title, body and webhook body of a notification, with `secrets` and token-like values removed. */
export function renderNotification(n: Notification, opts: RenderOptions): Rendered {
  const s = (text: string) => redact(text, { extra: opts.secrets, shapes: true });
  const title = s(titleOf(n));
  const body = s(bodyLines(n, opts.timeZone).join("\n"));
  const codes = n.kind === "rate-limited" ? (n.held?.codes ?? []) : n.members.map((m) => m.code);
  const payload: WebhookPayload = {
    version: 1,
    kind: n.kind,
    severity: n.severity,
    title,
    body,
    incident: {
      fingerprint: s(n.key),
      codes,
      ...(n.deviceId ? { deviceId: s(n.deviceId) } : {}),
      ...(n.requestId ? { requestId: s(n.requestId) } : {}),
      ...(n.members[0]?.finding.profile ? { profile: s(n.members[0].finding.profile) } : {}),
      ...(n.members[0]?.finding.stateDir ? { stateDir: s(n.members[0].finding.stateDir) } : {}),
      openedAt: n.openedAtMs === null ? null : new Date(n.openedAtMs).toISOString(),
    },
    findings: n.members.map((m) => ({
      code: m.code,
      severity: m.severity,
      message: s(m.finding.message),
      ...(m.finding.fix
        ? { fix: { command: s(m.finding.fix.command), explanation: s(m.finding.fix.explanation) } }
        : {}),
    })),
    host: opts.hostname,
    at: new Date(n.atMs).toISOString(),
  };
  return { kind: n.kind, severity: n.severity, title, body, codes, payload };
}

/** The notification after a click on Approve that healed nothing (why, and the request to approve now, if any). */
export function renderClickResult(r: ClickResult, atMs: number, opts: RenderOptions): Rendered | null {
  const text = clickResultText(r);
  if (!text) return null;
  const s = (t: string) => redact(t, { extra: opts.secrets, shapes: true });
  const title = s(text.title);
  const body = s(text.body);
  const next = r.next ?? undefined;
  return {
    kind: "approval",
    severity: "warning",
    title,
    body,
    codes: ["scope-upgrade-pending"],
    payload: {
      version: 1,
      kind: "approval",
      severity: "warning",
      title,
      body,
      incident: {
        fingerprint: s(`device:${r.offer.deviceId}`),
        codes: ["scope-upgrade-pending"],
        deviceId: s(r.offer.deviceId),
        requestId: s(next?.requestId ?? r.offer.requestId),
        ...(r.offer.profile ? { profile: s(r.offer.profile) } : {}),
        stateDir: s(r.offer.stateDir),
        openedAt: null,
      },
      findings: [],
      host: opts.hostname,
      at: new Date(atMs).toISOString(),
    },
    ...(next ? { offer: next } : {}),
  };
}
