// What the daemon decides about the local device after each inspection, as pure functions: whether it is healthy
// (so an identity change can resolve and the state can become the last good one), the last good state to keep,
// the findings of one evaluation, and which gateway-log lines belong to this OpenClaw state when several states share one log file.

import { localPaired } from "../common/pairing.js";
import type { Finding, LastGoodState, Observation } from "../common/types.js";
import { isHealthy } from "./findings.js";
import type { Inspection } from "./inspection.js";
import { detectObservationFindings, type ObservationContext } from "./observations.js";

/**
 * A regenerated identity is told (device-identity-changed) until the new one is paired with the same key and
 * holds what it needs: then the local device is healthy again (else the incident would stay open, and keep
 * healing blocked, forever).
 */
export function isLocalHealthy(i: Inspection): boolean {
  const paired = localPaired(i.snapshot);
  return (
    isHealthy(i.findings.filter((f) => f.code !== "device-identity-changed")) &&
    paired !== undefined &&
    paired.publicKey === i.snapshot.identity?.publicKey
  );
}

/**
 * The device whose findings this inspection cannot judge: the local device the daemon last knew (from an earlier
 * read, else the last good state) while no identity can be read now (a state folder being deleted or restored,
 * identity/ missing or corrupt). Its open incidents stay open meanwhile; they end when a readable state shows
 * them gone, never because the device went unseen.
 */
export function unseenLocalDevice(i: Inspection, lastKnownDeviceId: string | null): string | null {
  return i.snapshot.identity === null ? lastKnownDeviceId : null;
}

/** The last good state to record after a healthy inspection, or null when `prev` already says the same. */
export function nextLastGood(prev: LastGoodState | null, i: Inspection, nowMs: number): LastGoodState | null {
  const paired = localPaired(i.snapshot);
  const identity = i.snapshot.identity;
  if (!paired || !identity) return null;
  const approvedScopes = [...(paired.approvedScopes ?? paired.scopes)].sort();
  if (
    prev &&
    prev.deviceId === identity.deviceId &&
    prev.publicKey === identity.publicKey &&
    JSON.stringify(prev.approvedScopes) === JSON.stringify(approvedScopes)
  ) {
    return null;
  }
  return { deviceId: identity.deviceId, publicKey: identity.publicKey, approvedScopes, recordedAtMs: nowMs };
}

/** Which log files other watched states write too, as the daemon knows them. */
export interface LogPeers {
  sharedFiles: ReadonlySet<string>;
  /** Another watched state does not know its log file yet (it is starting): it may share this one. */
  undecided: boolean;
}

/**
 * Whether a gateway-log line is about this OpenClaw state. A line naming another gateway's port never is:
 * OpenClaw 2026.4.x up to 4.24 logs every gateway of the machine (every profile, every HOME, watched or not) to
 * one /tmp/openclaw file. Otherwise, while no other watched state writes the same log file, every line is.
 * Where several do, a line is this state's when it names this gateway's port, else this state's device; a line
 * that names neither is pinned on no profile.
 */
export function isOwnLogLine(
  o: Observation,
  own: {
    file: string | null | undefined;
    peers: LogPeers | undefined;
    port: number | undefined;
    deviceId: string | undefined;
  },
): boolean {
  const { file, peers } = own;
  if (o.gatewayPort !== undefined && own.port !== undefined && o.gatewayPort !== own.port) return false;
  if (!peers || (!peers.undecided && !(file && peers.sharedFiles.has(file)))) return true;
  if (o.gatewayPort !== undefined) return o.gatewayPort === own.port;
  return o.deviceId !== undefined && o.deviceId === own.deviceId;
}

/**
 * The findings of one evaluation: the inspection's and the observations'. Every finding names the state it is
 * about, so notifications, status and metrics tell the profiles apart.
 */
export function evaluationFindings(
  i: Inspection,
  observations: readonly Observation[],
  ctx: Omit<ObservationContext, "localDeviceId" | "version" | "snapshot">,
): Finding[] {
  const full: ObservationContext = {
    ...ctx,
    localDeviceId: i.snapshot.identity?.deviceId ?? null,
    version: i.version,
    snapshot: i.snapshot,
  };
  const profile = i.location.profile;
  return [...i.findings, ...detectObservationFindings(observations, full)].map((f) => ({
    ...f,
    stateDir: i.location.stateDir,
    ...(profile ? { profile } : {}),
  }));
}
