// What the pairing store on disk says about OpenClaw itself: a database schema newer than this watchdog knows, and
// what the 2026.8 move to SQLite left behind (openclaw#134340, openclaw#117270). Pure.

import { shortId } from "../common/pairing.js";
import type { Finding, PairingSnapshot } from "../common/types.js";

export function storeSchemaFindings(snapshot: PairingSnapshot): Finding[] {
  const db = snapshot.sqlite;
  if (db?.schema !== "newer") return [];
  return [
    {
      code: "openclaw-schema-unknown",
      severity: "warning",
      message: `state/openclaw.sqlite has schema version ${db.userVersion}, newer than any this watchdog knows; it is read with the columns of the newest known one.`,
      impact:
        "A newer OpenClaw may keep pairing state in tables or columns this watchdog does not read: a narrowed device could go unreported.",
      file: "state/openclaw.sqlite",
      fix: {
        command: "npm install -g openclaw-scope-watchdog@latest",
        explanation:
          "Updates the watchdog to one that knows this schema. Until then `openclaw devices list --json` shows the pairing state as OpenClaw sees it.",
      },
    },
  ];
}

/** Pairings devices/paired.json still holds that the SQLite store lacks: the import did not complete. */
export function migrationFindings(snapshot: PairingSnapshot): Finding[] {
  const left = snapshot.legacyLeftovers;
  if (snapshot.store !== "sqlite" || !left?.pairedDeviceIds) return [];
  const inDb = new Set(snapshot.paired.map((p) => p.deviceId));
  const lost = left.pairedDeviceIds.filter((id) => !inDb.has(id));
  if (lost.length === 0) return [];
  const me = snapshot.identity?.deviceId ?? left.identity?.deviceId;
  const mine = me !== undefined && lost.includes(me);
  return [
    {
      code: "pairing-migration-incomplete",
      severity: mine ? "critical" : "warning",
      message: `${left.pairedFile} still holds ${lost.length} pairing${lost.length === 1 ? "" : "s"} that state/openclaw.sqlite lacks (${lost.map(shortId).join(", ")})${mine ? ", this machine's device among them" : ""}: the 2026.8 import of the JSON pairing store into SQLite did not complete.`,
      impact:
        "The gateway reads pairings only from SQLite, so these devices are unknown to it: their clients are refused with pairing required until they pair again. OpenClaw 2026.8.1 aborts the whole import when paired.json holds a pending-request record or a malformed value, and repeats the failed import at every start (openclaw#134340).",
      file: left.pairedFile,
      ...(mine && snapshot.identity ? { deviceId: snapshot.identity.deviceId } : {}),
      fix: {
        command: "openclaw gateway stop && npm install -g openclaw@latest && openclaw gateway start",
        explanation: `A release with the fix for openclaw#134340 (PR #134483) imports every valid pairing, skips the bad records with a warning, and archives paired.json once. Keep a copy first (cp ${left.pairedFile} ${left.pairedFile}.bak). Staying on this release: with the gateway stopped, remove the pending-request and malformed entries from paired.json, then start it; or pair the devices again (openclaw devices list, then approve).`,
      },
    },
  ];
}

/** A legacy identity/device.json whose key is not the canonical SQLite identity's. */
export function identityConflictFindings(snapshot: PairingSnapshot): Finding[] {
  const legacy = snapshot.legacyLeftovers?.identity;
  const canonical = snapshot.identity;
  if (snapshot.store !== "sqlite" || !legacy || !canonical || legacy.deviceId === canonical.deviceId)
    return [];
  return [
    {
      code: "legacy-identity-conflict",
      severity: "warning",
      message: `${legacy.file} holds device ${shortId(legacy.deviceId)}, but the canonical identity in state/openclaw.sqlite is device ${shortId(canonical.deviceId)}.`,
      impact:
        'The SQLite identity is the one in use. On 2026.8 releases without the fix for openclaw#117270 (PR #126748) a gateway that finds this file refuses to report ready ("canonical SQLite device identity differs from the legacy identity", or "Retired device identity cleanup preserved … bytes differ from the migration receipt") and restarts in a loop; `openclaw doctor --fix` keeps the file, so it does not end it.',
      file: legacy.file,
      deviceId: canonical.deviceId,
      fix: {
        command: `mv ${legacy.file} ${legacy.file}.retired && openclaw gateway restart`,
        explanation:
          "Moves the retired file aside and keeps the canonical SQLite identity (keep the moved file: it holds a private key). If it comes back, an older OpenClaw app or client on this machine is writing it: update or stop it.",
      },
    },
  ];
}
