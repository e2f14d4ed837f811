// What the watchdog did, recorded where `status` and the metrics show it: each remediation decision of a pass and
// each notification sent or failed, per channel.

import type { DispatchOutcome } from "../actions/notify/dispatch.js";
import type { PassReport } from "../actions/remediate/run.js";
import type { RemediationOutcome, WatchdogMetrics } from "./metrics.js";
import type { StatusTracker } from "./status-report.js";

/** The metrics' outcome of a remediation decision that acted (approve or request-repair). */
function remediationOutcome(status: string, healed: boolean): RemediationOutcome {
  if (healed) return "succeeded";
  if (status === "dry-run") return "dry-run";
  if (status === "skipped" || status === "refused") return "skipped";
  return "failed";
}

/** Records a remediation pass of one watched state; a halted pass (kill switch engaged) evaluates at once. */
export function recordPass(
  i: { tracker: StatusTracker; metrics: WatchdogMetrics; daemon: { trigger(reason: string): void } },
  report: PassReport,
  nowMs: number,
): void {
  for (const d of report.decisions) {
    const outcome = d.outcome;
    i.tracker.recordAction({
      atMs: nowMs,
      kind: "remediation",
      action: d.action,
      outcome: outcome?.status ?? "decided",
      ...(d.requestId ? { requestId: d.requestId } : {}),
      ...(outcome?.message ? { detail: outcome.message } : {}),
    });
    if ((d.action === "approve" || d.action === "request-repair") && outcome) {
      i.metrics.countRemediation(remediationOutcome(outcome.status, outcome.healed === true));
    }
  }
  // the kill switch was engaged: evaluate now, so the critical finding and its notification do not wait
  if (report.decisions.some((d) => d.outcome?.status === "halted")) i.daemon.trigger("remediation:halted");
}

/** Records one notification's delivery per channel. */
export function recordDispatch(
  metrics: Pick<WatchdogMetrics, "countNotification">,
  tracker: StatusTracker | undefined,
  d: { kind: string; outcome: DispatchOutcome },
  nowMs: number,
): void {
  for (const channel of d.outcome.delivered) {
    metrics.countNotification(channel, "sent");
    tracker?.recordAction({ atMs: nowMs, kind: "notification", action: d.kind, outcome: "sent", channel });
  }
  for (const f of d.outcome.failed) {
    metrics.countNotification(f.channel, "failed");
    tracker?.recordAction({
      atMs: nowMs,
      kind: "notification",
      action: d.kind,
      outcome: "failed",
      channel: f.channel,
      detail: f.reason,
    });
  }
}
