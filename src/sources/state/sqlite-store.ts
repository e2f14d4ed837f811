// The SQLite pairing state of OpenClaw 2026.8+ (<stateDir>/state/openclaw.sqlite), read-only through node:sqlite.
// Only metadata columns are selected: token and private-key columns never reach this process.

import { existsSync } from "node:fs";
import { lstat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { cleanField } from "../../common/clean-text.js";
import { deriveDeviceKey } from "../../common/device-key.js";
import { errorMessage } from "../../common/errors.js";
import { isPendingLive } from "../../common/pairing.js";
import type {
  DeviceAuthCache,
  LocalIdentity,
  PairedDevice,
  PendingRequest,
  StateProblem,
} from "../../common/types.js";
import {
  MAX_LIST_ITEMS,
  MAX_PROBLEMS,
  MAX_RECORDS,
  parsePairedDevice,
  parsePendingRequest,
  tooManyRecords,
  toTokenSummary,
} from "./records.js";
import {
  NEWEST_KNOWN_SCHEMA,
  type PairingTable,
  SQLITE_FILE,
  type SqliteSchema,
  schemaFor,
} from "./sqlite-schema.js";

export { SQLITE_FILE };

const BUSY_TIMEOUT_MS = 2_000;

type SqliteModule = typeof import("node:sqlite");
type Database = InstanceType<SqliteModule["DatabaseSync"]>;
export type Row = Record<string, unknown>;

export interface SqliteRead {
  identity: LocalIdentity | null;
  deviceAuth: DeviceAuthCache | null;
  paired: PairedDevice[];
  pending: PendingRequest[];
  problems: StateProblem[];
  /** PRAGMA user_version as read, when the database could be opened. */
  schemaVersion: number | null;
  /** The tables lack the 2026.8 pairing columns: an older layout, not the pairing store (read the files). */
  olderLayout: boolean;
}

/** node:sqlite, where this runtime has it (Node 22.13+); undefined on older runtimes. */
export function loadNodeSqlite(): SqliteModule | undefined {
  try {
    return process.getBuiltinModule("node:sqlite") as SqliteModule | undefined;
  } catch {
    return undefined;
  }
}

const EMPTY: Omit<SqliteRead, "problems"> = {
  identity: null,
  deviceAuth: null,
  paired: [],
  pending: [],
  schemaVersion: null,
  olderLayout: false,
};

function jsonColumn(value: unknown): unknown {
  if (typeof value !== "string") return value ?? undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function num(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * Opens the database read-only. With no -wal beside it no writer is active, and a plain read-only open of a
 * WAL database would create -wal and -shm files; the immutable form reads the file and creates nothing.
 */
function openReadOnly(sqlite: SqliteModule, file: string): Database {
  if (!existsSync(`${file}-wal`)) {
    const url = pathToFileURL(file);
    url.searchParams.set("immutable", "1");
    return new sqlite.DatabaseSync(url, { readOnly: true });
  }
  return new sqlite.DatabaseSync(file, { readOnly: true, timeout: BUSY_TIMEOUT_MS } as { readOnly: boolean });
}

function tableColumns(db: Database, table: string): Set<string> {
  return new Set((db.prepare(`PRAGMA table_info(${table})`).all() as Row[]).map((r) => String(r.name)));
}

interface SchemaCheck {
  version: number;
  schema: SqliteSchema | null;
  problems: StateProblem[];
  olderLayout: boolean;
}

/** Which known layout the database has (sqlite-schema.ts), and what it lacks of it. */
function checkSchema(db: Database, file: string): SchemaCheck {
  const version = num((db.prepare("PRAGMA user_version").get() as Row | undefined)?.user_version) ?? 0;
  const found = schemaFor(version);
  if (found.kind === "older" || !found.schema.columns)
    return { version, schema: null, problems: [], olderLayout: true };
  const { schema } = found;
  const problems: StateProblem[] = [];
  let markersMissing = 0;
  for (const [table, columns] of Object.entries(schema.columns ?? {}) as [
    PairingTable,
    readonly string[],
  ][]) {
    const have = tableColumns(db, table);
    const markers = schema.markers?.[table] ?? [];
    if (have.size > 0 && markers.some((c) => !have.has(c))) markersMissing++;
    const missing = have.size === 0 ? ["(table)"] : columns.filter((c) => !have.has(c));
    if (missing.length > 0) {
      problems.push({
        file: `${file} (table ${table})`,
        problem: `${have.size === 0 ? "table is missing" : `lacks column ${missing.join(", ")}`} (schema version ${version}, this watchdog knows up to ${NEWEST_KNOWN_SCHEMA})`,
        hint: "update openclaw-scope-watchdog, or run `openclaw devices list --json` to see the pairing state",
      });
    }
  }
  // a known 2026.8+ number over the 2026.6/2026.7 table layout: not the pairing store
  if (markersMissing > 0 && found.kind === "known")
    return { version, schema, problems: [], olderLayout: true };
  return { version, schema, problems, olderLayout: false };
}

/** SELECT list of one table from the schema entry (token and key columns are never in it). */
function selectList(schema: SqliteSchema, table: PairingTable, except: readonly string[] = []): string {
  return (schema.columns?.[table] ?? []).filter((c) => !except.includes(c)).join(", ");
}

/** The columns both pairing tables share, as a pairing record (device_pairing_paired / _pending). */
function descriptorColumns(row: Row): Record<string, unknown> {
  return {
    deviceId: row.device_id,
    publicKey: row.public_key,
    displayName: str(row.display_name),
    platform: str(row.platform),
    deviceFamily: str(row.device_family),
    clientId: str(row.client_id),
    clientMode: str(row.client_mode),
    role: str(row.role),
    roles: jsonColumn(row.roles_json),
    scopes: jsonColumn(row.scopes_json),
    remoteIp: str(row.remote_ip),
  };
}

function readIdentity(db: Database, file: string, problems: StateProblem[]): LocalIdentity | null {
  const row = db
    .prepare("SELECT device_id, public_key_pem FROM device_identities WHERE identity_key = 'primary'")
    .get() as Row | undefined;
  if (!row) return null;
  const pem = str(row.public_key_pem);
  try {
    if (!pem) throw new Error("public_key_pem is empty");
    const key = deriveDeviceKey(pem);
    return {
      deviceId: key.deviceId,
      storedDeviceId: str(row.device_id) ?? "",
      publicKey: key.publicKey,
      source: `${file} (device_identities, primary)`,
    };
  } catch (err) {
    problems.push({ file: `${file} (device_identities)`, problem: errorMessage(err) });
    return null;
  }
}

function readPaired(
  db: Database,
  schema: SqliteSchema,
  file: string,
  problems: StateProblem[],
): PairedDevice[] {
  // json_remove drops each token string inside SQLite, so only token metadata is returned.
  const rows = db
    .prepare(
      `SELECT ${selectList(schema, "device_pairing_paired", ["tokens_json"])},
              (SELECT json_group_object(t.key, json_remove(t.value, '$.token'))
                 FROM json_each(CASE WHEN json_valid(p.tokens_json) AND json_type(p.tokens_json) = 'object'
                                     THEN p.tokens_json ELSE '{}' END) AS t
                WHERE t.type = 'object') AS token_meta
         FROM device_pairing_paired AS p LIMIT ${MAX_RECORDS + 1}`,
    )
    .all() as Row[];
  const where = `${file} (device_pairing_paired)`;
  return recordsFromRows(rows, where, "device id", "device_id", pairedFromRow, problems);
}

/** One device_pairing_paired row (token strings already removed by the query) as a paired device, or why not. */
export function pairedFromRow(row: Row): ParseResult<PairedDevice> {
  return parsePairedDevice({
    ...descriptorColumns(row),
    approvedScopes: jsonColumn(row.approved_scopes_json),
    tokens: jsonColumn(row.token_meta),
    createdAtMs: num(row.created_at_ms),
    approvedAtMs: num(row.approved_at_ms),
  });
}

/** One device_pairing_pending row as a pending request, or why not. */
export function pendingFromRow(row: Row): ParseResult<PendingRequest> {
  return parsePendingRequest({
    requestId: row.request_id,
    ...descriptorColumns(row),
    silent: num(row.silent) === 1,
    isRepair: num(row.is_repair) === 1,
    ts: num(row.ts),
    refreshedAtMs: num(row.refreshed_at_ms),
  });
}

type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Rows (at most MAX_RECORDS + 1 selected) to records: a problem per bad row, capped, and one for too many. */
export function recordsFromRows<T>(
  rows: readonly Row[],
  where: string,
  what: string,
  idColumn: string,
  parse: (row: Row) => ParseResult<T>,
  problems: StateProblem[],
): T[] {
  const out: T[] = [];
  let bad = 0;
  for (const row of rows.slice(0, MAX_RECORDS)) {
    const r = parse(row);
    if (r.ok) out.push(r.value);
    else if (++bad <= MAX_PROBLEMS)
      problems.push({ file: where, problem: `row ${cleanField(String(row[idColumn]), 80)}: ${r.problem}` });
  }
  if (bad > MAX_PROBLEMS)
    problems.push({ file: where, problem: `and ${bad - MAX_PROBLEMS} more rows with problems` });
  if (rows.length > MAX_RECORDS) problems.push(tooManyRecords(where, what, `more than ${MAX_RECORDS}`));
  return out;
}

function readPending(
  db: Database,
  schema: SqliteSchema,
  file: string,
  nowMs: number,
  problems: StateProblem[],
): PendingRequest[] {
  const rows = db
    .prepare(
      `SELECT ${selectList(schema, "device_pairing_pending")} FROM device_pairing_pending LIMIT ${MAX_RECORDS + 1}`,
    )
    .all() as Row[];
  const where = `${file} (device_pairing_pending)`;
  return recordsFromRows(rows, where, "request id", "request_id", pendingFromRow, problems).filter((r) =>
    isPendingLive(r, nowMs),
  );
}

/** The most device_auth_tokens rows read for one device (one per role; OpenClaw has two roles). */
const MAX_AUTH_ROWS = 64;

function readDeviceAuth(db: Database, file: string, deviceId: string): DeviceAuthCache | null {
  const rows = db
    .prepare(
      `SELECT role, scopes_json, updated_at_ms FROM device_auth_tokens WHERE device_id = ? LIMIT ${MAX_AUTH_ROWS}`,
    )
    .all(deviceId) as Row[];
  return deviceAuthFromRows(deviceId, `${file} (device_auth_tokens)`, rows);
}

/** device_auth_tokens rows of one device as its token cache (roles and scopes cleaned, lists bounded). */
export function deviceAuthFromRows(
  deviceId: string,
  source: string,
  rows: readonly Row[],
): DeviceAuthCache | null {
  if (rows.length === 0) return null;
  return {
    deviceId,
    source,
    tokens: rows.slice(0, MAX_AUTH_ROWS).map((r) => {
      const scopes = jsonColumn(r.scopes_json);
      const updatedAtMs = num(r.updated_at_ms);
      return toTokenSummary(String(r.role), {
        scopes: Array.isArray(scopes)
          ? scopes.filter((s): s is string => typeof s === "string").slice(0, MAX_LIST_ITEMS)
          : [],
        ...(updatedAtMs === undefined ? {} : { updatedAtMs }),
      });
    }),
  };
}

/** Reads the pairing state from state/openclaw.sqlite without ever writing to it. */
export async function readSqliteStore(
  stateDir: string,
  nowMs: number,
  sqlite = loadNodeSqlite(),
): Promise<SqliteRead> {
  const file = path.join(stateDir, SQLITE_FILE);
  if (!sqlite) {
    return {
      ...EMPTY,
      problems: [
        {
          file,
          problem: `cannot be read by this Node.js ${process.version}: OpenClaw 2026.8+ keeps pairing state in SQLite, and node:sqlite needs Node.js 22.13 or later`,
          hint: "run the watchdog with the Node.js that runs OpenClaw (22.13+), or look at the pairing state with the command below",
          command: "openclaw devices list --json",
        },
      ],
    };
  }
  try {
    const st = await lstat(file);
    if (st.isSymbolicLink())
      return {
        ...EMPTY,
        problems: [{ file, problem: "is a symbolic link; OpenClaw writes a regular file here" }],
      };
    if (!st.isFile()) return { ...EMPTY, problems: [{ file, problem: "is not a regular file" }] };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      return {
        ...EMPTY,
        problems: [
          {
            file,
            problem: "does not exist: the gateway has not created its state database yet",
            severity: "info",
          },
        ],
      };
    }
    return {
      ...EMPTY,
      problems: [{ file, problem: `cannot be read (${(err as NodeJS.ErrnoException).code})` }],
    };
  }
  let db: Database | undefined;
  try {
    db = openReadOnly(sqlite, file);
    const checked = checkSchema(db, file);
    const base = { ...EMPTY, schemaVersion: checked.version };
    if (checked.olderLayout || !checked.schema) return { ...base, olderLayout: true, problems: [] };
    if (checked.problems.length > 0) return { ...base, problems: checked.problems };
    const { schema } = checked;
    const problems: StateProblem[] = [];
    const identity = readIdentity(db, file, problems);
    const paired = readPaired(db, schema, file, problems);
    const pending = readPending(db, schema, file, nowMs, problems);
    const deviceAuth = identity ? readDeviceAuth(db, file, identity.deviceId) : null;
    return {
      identity,
      deviceAuth,
      paired,
      pending,
      problems,
      schemaVersion: checked.version,
      olderLayout: false,
    };
  } catch (err) {
    const message = String(errorMessage(err));
    const hint = /not a database|malformed/i.test(message)
      ? "the database is damaged; stop the gateway and run `openclaw doctor`"
      : /permission|readonly|EACCES/i.test(message)
        ? "run the watchdog as the same user as the OpenClaw gateway"
        : "retry; the gateway may be migrating its database";
    return { ...EMPTY, problems: [{ file, problem: `cannot be opened read-only (${message})`, hint }] };
  } finally {
    db?.close();
  }
}
