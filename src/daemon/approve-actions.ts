// Wiring of Approve from the notification (issue 13): which request a notification offers (the pure
// policy/approve-offer.ts on the latest state of the OpenClaw state it is about), and what a click does:
// Approve runs that state's guarded approve of exactly that request (actions/remediate/user-approve.ts), then
// a notification says why when it healed nothing (the recovery notification tells a heal); Details opens the
// `scope-watchdog check` output (actions/notify/details.ts).

import { openDetails } from "../actions/notify/details.js";
import type { Notifier, NotifierOptions } from "../actions/notify/notifier.js";
import type { ProcessRunner } from "../actions/process-runner.js";
import type { Remediator } from "../actions/remediate/run.js";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import type { Inspection } from "../detect/inspection.js";
import { type ApproveOffer, approveOffer, nextOffer, type OfferInput } from "../policy/approve-offer.js";
import type { Evaluation } from "../policy/evaluation.js";
import type { Daemon } from "./daemon.js";

/** What the wiring needs of one watched state. */
export interface ApprovalTarget {
  latest: Evaluation | null;
  remediator: Remediator;
  daemon: Pick<Daemon, "trigger">;
}

export interface ApprovalWiring {
  now: () => number;
  logger: Logger;
  dataDir: string;
  runner: ProcessRunner;
  env: NodeJS.ProcessEnv;
  configFile: () => string | null;
  secrets: () => string[];
  /** The watched state a state dir names (findings and offers carry it). */
  target(stateDir: string | undefined): ApprovalTarget | undefined;
  notifier: () => Notifier | null;
}

function offerInput(i: Inspection, nowMs: number): OfferInput {
  return {
    snapshot: i.snapshot,
    nowMs,
    store: i.store,
    haveCli: i.install.bin !== null,
    version: i.version,
    stateDir: i.location.stateDir,
    profile: i.location.profile ?? undefined,
  };
}

/** The notifier's approvals hooks for this watchdog. */
export function createApprovals(w: ApprovalWiring): NonNullable<NotifierOptions["approvals"]> {
  const log = w.logger.child({ component: "approve" });

  const approve = async (offer: ApproveOffer): Promise<void> => {
    const t = w.target(offer.stateDir);
    if (!t) {
      log.warn(
        { requestId: offer.requestId, stateDir: offer.stateDir },
        "approve clicked for a state no longer watched",
      );
      return;
    }
    log.info(
      { action: "approve", by: "user", requestId: offer.requestId, scopes: offer.scopes },
      "approve clicked in a notification: running its guarded approve",
    );
    const r = await t.remediator.approveOffer(offer);
    const outcome = r.decision.outcome ?? { status: "failed", message: "it ended without an outcome" };
    const healed = outcome.healed === true;
    const next =
      outcome.status === "changed" && r.inspection
        ? nextOffer(offer.deviceId, offerInput(r.inspection, w.now()))
        : null;
    w.notifier()?.clickResult({ offer, status: outcome.status, message: outcome.message, healed, next });
    // evaluate now: the recovery (or what is still wrong) is told without waiting for the file watcher
    t.daemon.trigger(`approve:${outcome.status}`);
  };

  return {
    offerFor(n) {
      const stateDir = n.members[0]?.finding.stateDir;
      const inspection = w.target(stateDir)?.latest?.inspection;
      return inspection ? approveOffer(n, offerInput(inspection, w.now())) : null;
    },
    onAction(offer, action) {
      const run =
        action === "approve"
          ? approve(offer)
          : openDetails({
              offer,
              dataDir: w.dataDir,
              runner: w.runner,
              env: w.env,
              logger: w.logger,
              configFile: w.configFile(),
              secrets: w.secrets,
              now: w.now,
            });
      run.catch((err: unknown) =>
        log.error({ err: errorMessage(err), action }, "notification action failed"),
      );
    },
  };
}
