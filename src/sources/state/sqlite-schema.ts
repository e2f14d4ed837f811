// Every state/openclaw.sqlite layout this watchdog knows, by PRAGMA user_version: which releases write it, whether
// it is the pairing store, and the columns read from it. A new OpenClaw schema is one entry here.

export const SQLITE_FILE = "state/openclaw.sqlite";

/** The tables the pairing store is read from. */
export type PairingTable =
  | "device_identities"
  | "device_pairing_paired"
  | "device_pairing_pending"
  | "device_auth_tokens";

export interface SqliteSchema {
  userVersion: number;
  /** The OpenClaw releases seen writing this user_version (for messages and the README). */
  releases: string;
  /** Whether OpenClaw keeps its device pairing in this database (2026.8.1 and later). */
  pairingStore: boolean;
  /** Columns selected per table (each must exist); token and private-key columns are never among them. */
  columns?: Record<PairingTable, readonly string[]>;
  /** Columns only the 2026.8+ layout has: their absence means an older layout under a newer number. */
  markers?: Partial<Record<PairingTable, readonly string[]>>;
}

/** Columns both pairing tables share: the device's descriptor as it connected. */
export const DESCRIPTOR = [
  "device_id",
  "public_key",
  "display_name",
  "platform",
  "device_family",
  "client_id",
  "client_mode",
  "role",
  "roles_json",
  "scopes_json",
  "remote_ip",
];

/** The pairing tables as OpenClaw 2026.8.1 created them; unchanged up to 2026.9.6 (user_version 15 to 18). */
const PAIRING_COLUMNS_2026_8: Record<PairingTable, readonly string[]> = {
  device_identities: ["identity_key", "device_id", "public_key_pem"],
  device_pairing_paired: [
    ...DESCRIPTOR,
    "approved_scopes_json",
    "tokens_json",
    "created_at_ms",
    "approved_at_ms",
  ],
  device_pairing_pending: ["request_id", ...DESCRIPTOR, "silent", "is_repair", "ts", "refreshed_at_ms"],
  device_auth_tokens: ["device_id", "role", "scopes_json", "updated_at_ms"],
};

/** 2026.8.1 added these to the pairing tables; the 2026.6/2026.7 leftover layout lacks them. */
const MARKERS_2026_8: Partial<Record<PairingTable, readonly string[]>> = {
  device_pairing_paired: ["approved_via", "browser_origin"],
  device_pairing_pending: ["browser_origin"],
};

const pairing = (userVersion: number, releases: string): SqliteSchema => ({
  userVersion,
  releases,
  pairingStore: true,
  columns: PAIRING_COLUMNS_2026_8,
  markers: MARKERS_2026_8,
});

export const SQLITE_SCHEMAS: readonly SqliteSchema[] = [
  // 2026.6.x and 2026.7.x create the database at gateway start with empty device_pairing_* tables in an older
  // layout that OpenClaw does not use: their pairing store is still devices/*.json.
  { userVersion: 1, releases: "2026.6.x-2026.7.x", pairingStore: false },
  pairing(15, "2026.8.1, 2026.8.2, 2026.9.1"),
  pairing(16, "2026.9.3"),
  pairing(17, "2026.9.5"),
  pairing(18, "2026.9.6"),
];

/** The lowest user_version of the 2026.8+ pairing store. */
export const FIRST_PAIRING_SCHEMA = 15;
const NEWEST = SQLITE_SCHEMAS[SQLITE_SCHEMAS.length - 1] as SqliteSchema;
/** The newest user_version this watchdog was written against. */
export const NEWEST_KNOWN_SCHEMA = NEWEST.userVersion;

export type SchemaLookup =
  /** A known layout. */
  | { kind: "known"; schema: SqliteSchema }
  /** Newer than any known one: read with the newest known columns, and say so. */
  | { kind: "newer"; schema: SqliteSchema }
  /** Below the first pairing schema and not a known layout: not the pairing store. */
  | { kind: "older" };

export function schemaFor(userVersion: number): SchemaLookup {
  const known = SQLITE_SCHEMAS.find((s) => s.userVersion === userVersion);
  if (known) return { kind: "known", schema: known };
  if (userVersion > NEWEST_KNOWN_SCHEMA) return { kind: "newer", schema: NEWEST };
  if (userVersion >= FIRST_PAIRING_SCHEMA) {
    // a number between known pairing schemas: the nearest older one's columns
    const below = [...SQLITE_SCHEMAS].reverse().find((s) => s.pairingStore && s.userVersion < userVersion);
    if (below) return { kind: "known", schema: { ...below, userVersion, releases: "unknown" } };
  }
  return { kind: "older" };
}

/** Whether a database with this user_version claims to be the 2026.8+ pairing store. */
export function isPairingSchema(userVersion: number): boolean {
  const found = schemaFor(userVersion);
  return found.kind !== "older" && found.schema.pairingStore;
}
