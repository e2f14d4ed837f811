// One evaluation's decision, pure and with time passed in: from a fresh inspection, the observations and what the
// daemon recalls from the evaluations before it, to the findings, the incident changes and what to recall next.
// The daemon (daemon.ts) reads, calls `assess`, and acts on the result.

import type { Finding, Observation } from "../common/types.js";
import type { Inspection } from "../detect/inspection.js";
import { evaluationFindings, isLocalHealthy, unseenLocalDevice } from "../detect/local-health.js";
import {
  emptyIncidents,
  type IncidentEvent,
  type IncidentState,
  updateIncidents,
  withUnseen,
} from "../policy/incidents.js";
import { stateDigest } from "./report.js";

/** A gateway that keeps refusing for this long counts as unreachable. */
const UNREACHABLE_AFTER_MS = 120_000;

/** What one evaluation carries over to the next. */
export interface Recall {
  incidents: IncidentState;
  /** Since when the local device has been seen healthy (when a healthy state was read), or null. */
  healthySinceMs: number | null;
  /** The local device last seen: a read without an identity keeps its incidents open as they were. */
  knownDeviceId: string | null;
  /** The digest of the last pairing state read (stateDigest), and when it last changed. */
  digest: string | null;
  stateChangedAtMs: number | null;
}

export function emptyRecall(): Recall {
  return {
    incidents: emptyIncidents(),
    healthySinceMs: null,
    knownDeviceId: null,
    digest: null,
    stateChangedAtMs: null,
  };
}

export interface AssessInput {
  inspection: Inspection;
  observations: readonly Observation[];
  /** The local device of the last good state, when no identity has been seen yet. */
  lastGoodDeviceId: string | null;
  /** The watchdog's own device on its connection, if any: its refusals are not the local device's. */
  watchdogDeviceId: string | null;
  /** detect.closeWindow. */
  closeWindowMs: number;
  /** When the evaluation began: its findings and incident changes are dated then. */
  startedAtMs: number;
  /** When the state was read. A healthy device is healthy from then, not from when the evaluation began: a refused
   * connect logged meanwhile came before the heal (e.g. `openclaw devices approve`'s own connect on 4.x, refused
   * just before its fallback writes the approval). */
  readAtMs: number;
}

export interface Assessment {
  recall: Recall;
  findings: Finding[];
  events: IncidentEvent[];
  stateChanged: boolean;
  localHealthy: boolean;
}

/** Pure: the findings and incident changes of one inspection, and what the next evaluation recalls. */
export function assess(before: Recall, input: AssessInput): Assessment {
  const { inspection, startedAtMs } = input;
  const digest = stateDigest(inspection);
  const stateChanged = digest !== before.digest;
  const localHealthy = isLocalHealthy(inspection);
  const healthySinceMs = localHealthy ? (before.healthySinceMs ?? input.readAtMs) : null;
  const unseen = unseenLocalDevice(inspection, before.knownDeviceId ?? input.lastGoodDeviceId);
  const findings = withUnseen(
    before.incidents,
    evaluationFindings(inspection, input.observations, {
      nowMs: startedAtMs,
      windowMs: input.closeWindowMs,
      watchdogDeviceId: input.watchdogDeviceId,
      healthySinceMs,
      unreachableAfterMs: UNREACHABLE_AFTER_MS,
    }),
    unseen,
  );
  const { state, events } = updateIncidents(before.incidents, findings, startedAtMs);
  return {
    recall: {
      incidents: state,
      healthySinceMs,
      knownDeviceId: inspection.snapshot.identity?.deviceId ?? before.knownDeviceId,
      digest,
      stateChangedAtMs: stateChanged ? startedAtMs : before.stateChangedAtMs,
    },
    findings,
    events,
    stateChanged,
    localHealthy,
  };
}
