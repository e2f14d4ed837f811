// What the 2026.8 move to SQLite leaves behind: devices/paired.json (imported and archived by a migration that
// completed; still there when it did not, openclaw#134340) and identity/device.json (retired after its import;
// one that comes back with another key stops the gateway, openclaw#117270). Read only when SQLite is the store.

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { LegacyLeftovers } from "../../common/types.js";
import { IDENTITY_FILE, PAIRED_FILE, readIdentityFile } from "./files-store.js";
import { MAX_STATE_FILE_BYTES } from "./safe-read.js";

/** The device ids devices/paired.json holds (its keys, or each record's deviceId), or null without the file. */
async function legacyPairedIds(stateDir: string): Promise<string[] | null> {
  let text: string;
  try {
    text = await readFile(path.join(stateDir, PAIRED_FILE), "utf8");
  } catch {
    return null;
  }
  if (text.length > MAX_STATE_FILE_BYTES) return null;
  try {
    const raw = JSON.parse(text) as unknown;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return [];
    return Object.entries(raw as Record<string, unknown>).map(([key, rec]) => {
      const id =
        rec !== null && typeof rec === "object" ? (rec as { deviceId?: unknown }).deviceId : undefined;
      return typeof id === "string" && id ? id : key;
    });
  } catch {
    // a file OpenClaw cannot parse either: its import failed on it
    return [];
  }
}

export async function readLegacyLeftovers(stateDir: string): Promise<LegacyLeftovers> {
  const [pairedDeviceIds, identity] = await Promise.all([
    legacyPairedIds(stateDir),
    readIdentityFile(stateDir).then((r) => r.value),
  ]);
  return {
    pairedDeviceIds,
    pairedFile: path.join(stateDir, PAIRED_FILE),
    identity: identity ? { deviceId: identity.deviceId, file: path.join(stateDir, IDENTITY_FILE) } : null,
  };
}
