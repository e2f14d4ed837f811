// One full look at OpenClaw on this machine, as data: where it is, which version, its gateway settings, its
// pairing state, and what is wrong with it. Built by the daemon's inspect (the only place that reads for it).

import { normalizeScopes } from "../common/scopes.js";
import type {
  Finding,
  GatewaySettings,
  LastGoodState,
  OpenClawInstall,
  PairingSnapshot,
  PairingStore,
  RemediationHalt,
  UnsafePath,
} from "../common/types.js";
import type { OpenClawLocation } from "../config/openclaw-paths.js";
import { type DeviceSummary, detectFindings, summarizeDevice } from "./findings.js";
import { type OpenClawVersion, parseOpenClawVersion, requiredScopesForVersion } from "./version.js";

export interface Inspection {
  location: OpenClawLocation;
  install: OpenClawInstall;
  version: OpenClawVersion | null;
  store: PairingStore;
  gateway: GatewaySettings;
  snapshot: PairingSnapshot;
  requiredScopes: string[];
  device: DeviceSummary | null;
  findings: Finding[];
}

export interface StateReading {
  location: OpenClawLocation;
  install: OpenClawInstall;
  gateway: GatewaySettings;
  snapshot: PairingSnapshot;
  /** The configured `requiredScopes`, or null for what this version's own callers need. */
  requiredScopes: readonly string[] | null;
  nowMs: number;
  lastGood: LastGoodState | null;
  /** State folders that are not this user's own (none when not checked). */
  unsafePaths?: readonly UnsafePath[];
  /** The kill switch the watchdog engaged itself, when the caller read it. */
  remediationHalt?: RemediationHalt | null;
}

/** What a reading of OpenClaw's state means: its version, what the device needs, and what is wrong. Pure. */
export function assessState(r: StateReading): Inspection {
  const version = r.install.version ? parseOpenClawVersion(r.install.version) : null;
  const requiredScopes = normalizeScopes(r.requiredScopes ?? requiredScopesForVersion(version));
  const findings = detectFindings({
    nowMs: r.nowMs,
    ...(r.install.versionsSeen ? { versionsSeen: r.install.versionsSeen } : {}),
    version,
    store: r.snapshot.store,
    snapshot: r.snapshot,
    requiredScopes,
    autoApproveLocal: r.gateway.autoApproveLocal,
    lastGood: r.lastGood,
    unsafePaths: r.unsafePaths ?? [],
    remediationHalt: r.remediationHalt ?? null,
  });
  return {
    location: r.location,
    install: r.install,
    version,
    store: r.snapshot.store,
    gateway: r.gateway,
    snapshot: r.snapshot,
    requiredScopes,
    device: summarizeDevice(r.snapshot),
    findings,
  };
}
