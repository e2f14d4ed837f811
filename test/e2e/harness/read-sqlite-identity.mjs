// Prints one OpenClaw 2026.8+ device identity row as JSON (run with Node 24; test harness only, read-only).
// Usage: node read-sqlite-identity.mjs <stateDir>/state/openclaw.sqlite [identityKey=primary]
// The private key goes to stdout (a pipe to the test process), never to argv or a file.
import { DatabaseSync } from "node:sqlite";

const [dbPath, identityKey = "primary"] = process.argv.slice(2);
if (!dbPath) {
  process.stderr.write("usage: read-sqlite-identity.mjs DB [identityKey]\n");
  process.exit(64);
}
const db = new DatabaseSync(dbPath, { readOnly: true });
try {
  const row = db
    .prepare(
      "select device_id, public_key_pem, private_key_pem, created_at_ms from device_identities where identity_key = ?",
    )
    .get(identityKey);
  const identity = row
    ? {
        deviceId: row.device_id,
        publicKeyPem: row.public_key_pem,
        privateKeyPem: row.private_key_pem,
        createdAtMs: row.created_at_ms,
      }
    : null;
  process.stdout.write(`${JSON.stringify(identity)}\n`);
} finally {
  db.close();
}
