#!/usr/bin/env node
// Writes a 2026.9.6-shaped state/openclaw.sqlite (run with Node 24: node:sqlite). Usage: node sqlite-state.mjs SPEC.json
// SPEC: { file, userVersion?, omitColumns?: {table: [col]}, identity?, paired?: [], pending?: [], authTokens?: [],
//         layout?: "2026.9" | "2026.7", keepWal? }
// The table definitions are OpenClaw 2026.9.6's own (OPENCLAW_STATE_SCHEMA_SQL); layout "2026.7" writes the empty
// device tables 2026.6.x/2026.7.x create at gateway start (openclaw-state-db, user_version 1, not STRICT).
// keepWal: the last write (PRAGMA user_version) stays in the -wal file, as while a gateway has the database open.
import { readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";

const TABLES = {
  device_pairing_pending: `request_id TEXT NOT NULL PRIMARY KEY, device_id TEXT NOT NULL, public_key TEXT NOT NULL,
    display_name TEXT, platform TEXT, device_family TEXT, client_id TEXT, client_mode TEXT, browser_origin TEXT,
    role TEXT, roles_json TEXT, scopes_json TEXT, remote_ip TEXT, silent INTEGER, is_repair INTEGER,
    ts INTEGER NOT NULL, refreshed_at_ms INTEGER`,
  device_pairing_paired: `device_id TEXT NOT NULL PRIMARY KEY, public_key TEXT NOT NULL, display_name TEXT,
    operator_label TEXT, platform TEXT, device_family TEXT, client_id TEXT, client_mode TEXT, browser_origin TEXT,
    role TEXT, roles_json TEXT, scopes_json TEXT, approved_scopes_json TEXT, remote_ip TEXT, tokens_json TEXT,
    approved_via TEXT, node_surface_json TEXT, pending_node_surface_json TEXT, created_at_ms INTEGER NOT NULL,
    approved_at_ms INTEGER NOT NULL, last_seen_at_ms INTEGER, last_seen_reason TEXT`,
  device_auth_tokens: `device_id TEXT NOT NULL, role TEXT NOT NULL, token TEXT NOT NULL, scopes_json TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL, PRIMARY KEY (device_id, role)`,
  device_identities: `identity_key TEXT NOT NULL PRIMARY KEY, device_id TEXT NOT NULL, public_key_pem TEXT NOT NULL,
    private_key_pem TEXT NOT NULL, created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL`,
};

// OpenClaw 2026.7.35 dist/openclaw-state-db-*.js
const TABLES_2026_7 = {
  device_pairing_pending: `request_id TEXT NOT NULL PRIMARY KEY, device_id TEXT NOT NULL, public_key TEXT NOT NULL,
    display_name TEXT, platform TEXT, device_family TEXT, client_id TEXT, client_mode TEXT, role TEXT,
    roles_json TEXT, scopes_json TEXT, remote_ip TEXT, silent INTEGER, is_repair INTEGER, ts INTEGER NOT NULL`,
  device_pairing_paired: `device_id TEXT NOT NULL PRIMARY KEY, public_key TEXT NOT NULL, display_name TEXT,
    platform TEXT, device_family TEXT, client_id TEXT, client_mode TEXT, role TEXT, roles_json TEXT,
    scopes_json TEXT, approved_scopes_json TEXT, remote_ip TEXT, tokens_json TEXT, created_at_ms INTEGER NOT NULL,
    approved_at_ms INTEGER NOT NULL, last_seen_at_ms INTEGER, last_seen_reason TEXT`,
  device_identities: TABLES.device_identities,
  device_auth_tokens: TABLES.device_auth_tokens,
};

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const layout7 = spec.layout === "2026.7";
const db = new DatabaseSync(spec.file);
db.exec("PRAGMA journal_mode = WAL;");
if (spec.keepWal) db.exec("PRAGMA wal_autocheckpoint = 0;");
for (const [table, columns] of Object.entries(layout7 ? TABLES_2026_7 : TABLES)) {
  const omit = new Set(spec.omitColumns?.[table] ?? []);
  if (omit.has("*")) continue;
  const cols = columns
    .split(/,(?![^(]*\))/)
    .map((c) => c.trim())
    .filter((c) => !omit.has(c.split(/\s+/)[0]));
  db.exec(`CREATE TABLE ${table} (${cols.join(", ")})${layout7 ? "" : " STRICT"};`);
}
if (spec.keepWal) {
  // everything so far goes into the database file, the user_version only into the -wal
  db.exec("PRAGMA wal_checkpoint(TRUNCATE);");
  db.exec(`PRAGMA user_version = ${spec.userVersion ?? 18};`);
  process.exit(0); // no close: closing the last connection would checkpoint the -wal into the file
}
db.exec(`PRAGMA user_version = ${spec.userVersion ?? (layout7 ? 1 : 18)};`);
const insert = (table, row) => {
  const keys = Object.keys(row);
  db.prepare(`INSERT INTO ${table} (${keys.join(", ")}) VALUES (${keys.map(() => "?").join(", ")})`).run(
    ...keys.map((k) => row[k]),
  );
};
if (spec.identity) {
  const now = Date.now();
  insert("device_identities", {
    identity_key: "primary",
    device_id: spec.identity.deviceId,
    public_key_pem: spec.identity.publicKeyPem,
    private_key_pem: spec.identity.privateKeyPem,
    created_at_ms: now,
    updated_at_ms: now,
  });
}
for (const p of spec.paired ?? []) {
  insert("device_pairing_paired", {
    device_id: p.deviceId,
    public_key: p.publicKey,
    platform: p.platform ?? "linux",
    client_id: p.clientId ?? "cli",
    client_mode: p.clientMode ?? "cli",
    role: "operator",
    roles_json: JSON.stringify(p.roles ?? ["operator"]),
    scopes_json: JSON.stringify(p.scopes),
    approved_scopes_json: JSON.stringify(p.approvedScopes ?? p.scopes),
    tokens_json: JSON.stringify(p.tokens ?? {}),
    approved_via: "silent",
    created_at_ms: p.createdAtMs ?? Date.now() - 60_000,
    approved_at_ms: p.approvedAtMs ?? Date.now() - 60_000,
  });
}
for (const r of spec.pending ?? []) {
  insert("device_pairing_pending", {
    request_id: r.requestId,
    device_id: r.deviceId,
    public_key: r.publicKey,
    platform: r.platform ?? "linux",
    client_id: r.clientId ?? "cli",
    client_mode: r.clientMode ?? "cli",
    role: r.role ?? "operator",
    roles_json: JSON.stringify(r.roles ?? ["operator"]),
    scopes_json: JSON.stringify(r.scopes),
    silent: 0,
    is_repair: r.isRepair === false ? 0 : 1,
    ts: r.ts ?? Date.now() - 5_000,
  });
}
for (const t of spec.authTokens ?? []) {
  insert("device_auth_tokens", {
    device_id: t.deviceId,
    role: t.role,
    token: t.token,
    scopes_json: JSON.stringify(t.scopes),
    updated_at_ms: Date.now(),
  });
}
db.close();
