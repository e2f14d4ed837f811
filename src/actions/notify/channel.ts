// What every notification channel (desktop, ntfy, webhook) takes and returns: one rendered notification in,
// one result value out (expected failures are values, with a machine-readable kind and a hint for the user).

import type { FindingCode, Severity } from "../../common/types.js";
import type { ApproveOffer } from "../../policy/approve-offer.js";
import type { NotificationKind } from "../../policy/notify.js";

export type ChannelName = "desktop" | "ntfy" | "webhook" | "telegram";

/** The webhook body, version 1 (documented in src/config/schema-notify.ts). */
export interface WebhookPayload {
  version: 1;
  kind: NotificationKind;
  severity: Severity;
  title: string;
  body: string;
  incident: {
    fingerprint: string;
    codes: FindingCode[];
    deviceId?: string;
    requestId?: string;
    /** The OpenClaw profile and state directory it is about (the watchdog may watch several). */
    profile?: string;
    stateDir?: string;
    openedAt: string | null;
  };
  findings: {
    code: FindingCode;
    severity: Severity;
    message: string;
    fix?: { command: string; explanation: string };
  }[];
  host: string;
  at: string;
}

/** A notification as every channel sends it: text already scrubbed of secrets. */
export interface Rendered {
  kind: NotificationKind;
  severity: Severity;
  title: string;
  body: string;
  /** Finding codes, most severe first (the first is the one log lines carry as `code`). */
  codes: FindingCode[];
  payload: WebhookPayload;
  /** A request the desktop may offer Approve and Details buttons for (policy/approve-offer.ts). */
  offer?: ApproveOffer;
}

export type ChannelResult =
  | { ok: true; attempts: number; detail?: string }
  | {
      ok: false;
      attempts: number;
      /** Machine-readable kind, e.g. "no-notification-server", "http-4xx", "timeout". */
      failure: string;
      /** What went wrong, for the log (never the URL's path or query, never a secret). */
      reason: string;
      /** What the user can do about it. */
      hint?: string;
    };

export interface Channel {
  readonly name: ChannelName;
  readonly minSeverity: Severity;
  /** Sends one notification; never throws for expected failures, resolves early when `signal` aborts. */
  send(n: Rendered, signal: AbortSignal): Promise<ChannelResult>;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/** Whether a channel with this minimum takes a notification of this severity. */
export function takes(minSeverity: Severity, severity: Severity): boolean {
  return RANK[severity] >= RANK[minSeverity];
}

/** A URL as it may appear in logs: scheme and host only (webhook paths and ntfy topics act as passwords). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "(invalid URL)";
  }
}
