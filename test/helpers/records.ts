// Typed pairing records and snapshots in memory, for the pure core and composition tests (no files).

import { CLI_DEFAULT_SCOPES_2026_4, normalizeScopes } from "../../src/common/scopes.js";
import type { LocalIdentity, PairedDevice, PairingSnapshot, PendingRequest } from "../../src/common/types.js";

/** A fixed "now" for pure tests; pending requests default to 30 s before it. */
export const REF_NOW = 1_800_000_000_000;

/** What the 2026.4.x CLI asks for (CLI_DEFAULT_OPERATOR_SCOPES), sorted. */
export const CLI_SCOPES = normalizeScopes(CLI_DEFAULT_SCOPES_2026_4);

export const ME: LocalIdentity = {
  deviceId: "a".repeat(64),
  storedDeviceId: "a".repeat(64),
  publicKey: "pkA",
  source: "identity/device.json",
};

export function paired(scopes: string[], extra: Partial<PairedDevice> = {}): PairedDevice {
  return {
    deviceId: ME.deviceId,
    publicKey: ME.publicKey,
    role: "operator",
    roles: ["operator"],
    scopes,
    approvedScopes: scopes,
    platform: "linux",
    tokens: [{ role: "operator", scopes }],
    ...extra,
  };
}

/** This machine's own request, from its CLI, as 2026.4.20 records it. */
export function pending(scopes: string[], extra: Partial<PendingRequest> = {}): PendingRequest {
  return {
    requestId: "req-1",
    deviceId: ME.deviceId,
    publicKey: ME.publicKey,
    role: "operator",
    roles: ["operator"],
    scopes,
    platform: "linux",
    clientId: "cli",
    clientMode: "cli",
    silent: false,
    isRepair: true,
    ts: REF_NOW - 30_000,
    ...extra,
  };
}

export function snapshot(extra: Partial<PairingSnapshot> = {}): PairingSnapshot {
  return {
    store: "files",
    identity: ME,
    deviceAuth: null,
    paired: [],
    pending: [],
    legacyDeviceAuthFile: false,
    problems: [],
    ...extra,
  };
}
