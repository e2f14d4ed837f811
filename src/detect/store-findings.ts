// What the pairing store on disk says about OpenClaw itself: a database schema newer than this watchdog knows.
// Pure.

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
