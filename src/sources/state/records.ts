// Validation of OpenClaw pairing records (paired devices, pending requests, token caches) into our types.
// Token strings are registered with the one redactor (so no output can show them) and dropped here: they never
// leave this module. Text in a record is data, never markup: ids must be plain ids, every other string is cleaned
// of control, bidi and invisible characters (replaced, so a cleaned value never equals one a guard accepts) and
// capped, every list is bounded, and a file or table holds at most MAX_RECORDS records that are considered.

import { cleanField, hasUnsafeChars } from "../../common/clean-text.js";
import { registerSecret } from "../../common/redact.js";
import type {
  DeviceDescriptor,
  PairedDevice,
  PendingRequest,
  StateProblem,
  TokenSummary,
} from "../../common/types.js";

/** The most records of one file or table that are considered; more are counted as a problem. */
export const MAX_RECORDS = 10_000;
/** Longest text field kept (display name, client id, platform, a scope …); longer ones are cut with "…". */
export const MAX_FIELD_CHARS = 256;
/** The most items of a list (scopes, roles); a longer list makes the record a problem (never cut: a cut scope list would hide what is asked). */
export const MAX_LIST_ITEMS = 256;
/** A device or request id: what OpenClaw mints (sha256 hex, UUID), nothing a terminal or a shell would read twice. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,255}$/;
/** Longest public key accepted (base64url of 32 bytes is 43 characters). */
const MAX_KEY_CHARS = 1024;

// Plain checks rather than a schema library: they run on every read of the pairing state (each `check`).
const KINDS = {
  string: { ok: (v: unknown) => typeof v === "string", what: "a string" },
  text: { ok: (v: unknown) => typeof v === "string" && v.length > 0, what: "a non-empty string" },
  id: {
    ok: (v: unknown) => typeof v === "string" && SAFE_ID.test(v),
    what: "an id (letters, digits, '.', '_', ':', '-', at most 256)",
  },
  key: {
    ok: (v: unknown) =>
      typeof v === "string" && v.length > 0 && v.length <= MAX_KEY_CHARS && !hasUnsafeChars(v),
    what: `a public key (at most ${MAX_KEY_CHARS} printable characters)`,
  },
  number: { ok: (v: unknown) => typeof v === "number" && Number.isFinite(v), what: "a number" },
  boolean: { ok: (v: unknown) => typeof v === "boolean", what: "a boolean" },
  strings: {
    ok: (v: unknown) =>
      Array.isArray(v) && v.length <= MAX_LIST_ITEMS && v.every((x) => typeof x === "string"),
    what: `an array of at most ${MAX_LIST_ITEMS} strings`,
  },
  object: { ok: (v: unknown) => isObject(v), what: "an object" },
} as const;

/** The kind of value a field holds; a trailing "?" lets it be missing or null. */
export type FieldSpec = `${keyof typeof KINDS}${"" | "?"}`;
export type RecordSpec = Readonly<Record<string, FieldSpec>>;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** What a value is, without showing it (a malformed record may hold a token anywhere). */
function typeName(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === "") return "an empty string";
  if (Array.isArray(v)) {
    const odd = v.find((x) => typeof x !== "string");
    if (odd !== undefined) return `an array holding ${typeName(odd)}`;
    return v.length > MAX_LIST_ITEMS ? `an array of ${v.length} items` : "an array";
  }
  if (typeof v === "string") {
    if (v.length > 256) return `a string of ${v.length} characters`;
    if (hasUnsafeChars(v)) return "a string with control or invisible characters";
    return "string";
  }
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return v === null ? "null" : typeof v;
}

/**
 * What is wrong with `raw` as a record of `spec` (other keys are allowed): one "path: expected …" each.
 * `at` is the record's own path ("" at the top, named `whole` in a message).
 */
export function recordIssues(raw: unknown, spec: RecordSpec, at = "", whole = "(record)"): string[] {
  if (!isObject(raw)) return [`${at || whole}: expected an object, got ${typeName(raw)}`];
  const prefix = at ? `${at}.` : "";
  const issues: string[] = [];
  for (const [key, field] of Object.entries(spec)) {
    const optional = field.endsWith("?");
    const kind = KINDS[(optional ? field.slice(0, -1) : field) as keyof typeof KINDS];
    const v = raw[key];
    if (optional && (v === undefined || v === null)) continue;
    if (!kind.ok(v)) issues.push(`${prefix}${key}: expected ${kind.what}, got ${typeName(v)}`);
  }
  return issues;
}

const TOKEN: RecordSpec = {
  role: "string?",
  scopes: "strings?",
  createdAtMs: "number?",
  updatedAtMs: "number?",
  rotatedAtMs: "number?",
  revokedAtMs: "number?",
  lastUsedAtMs: "number?",
};

const DESCRIPTOR: RecordSpec = {
  deviceId: "id",
  publicKey: "key",
  displayName: "string?",
  platform: "string?",
  deviceFamily: "string?",
  clientId: "string?",
  clientMode: "string?",
  role: "string?",
  roles: "strings?",
  scopes: "strings?",
  remoteIp: "string?",
};

const PAIRED: RecordSpec = {
  ...DESCRIPTOR,
  approvedScopes: "strings?",
  tokens: "object?",
  createdAtMs: "number?",
  approvedAtMs: "number?",
};

const PENDING: RecordSpec = {
  ...DESCRIPTOR,
  requestId: "id",
  silent: "boolean?",
  isRepair: "boolean?",
  ts: "number",
  refreshedAtMs: "number?",
};

/** The issues of a role-keyed map of token records. */
function tokenMapIssues(raw: unknown, at: string): string[] {
  if (!isObject(raw)) return [`${at || "(record)"}: expected an object keyed by role, got ${typeName(raw)}`];
  const entries = Object.entries(raw);
  if (entries.length > MAX_TOKEN_ROLES)
    return [`${at || "(record)"}: expected at most ${MAX_TOKEN_ROLES} roles, got ${entries.length}`];
  return entries.flatMap(([role, rec]) =>
    recordIssues(rec, TOKEN, `${at ? `${at}.` : ""}${cleanField(role, 40)}`),
  );
}

type Nullable<T> = { [K in keyof T]?: T[K] | null };
type TokenRecord = Nullable<Omit<TokenSummary, "role" | "scopes">> & {
  role?: string | null;
  scopes?: string[] | null;
};
type DescriptorRecord = Pick<DeviceDescriptor, "deviceId" | "publicKey"> &
  Nullable<Omit<DeviceDescriptor, "deviceId" | "publicKey">>;
type PairedRecord = DescriptorRecord &
  Nullable<Pick<PairedDevice, "approvedScopes" | "createdAtMs" | "approvedAtMs">> & {
    tokens?: Record<string, TokenRecord> | null;
  };
type PendingRecord = DescriptorRecord &
  Pick<PendingRequest, "requestId" | "ts"> &
  Nullable<Pick<PendingRequest, "silent" | "isRepair" | "refreshedAtMs">>;

type Loose<T> = { [K in keyof T]?: T[K] | null | undefined };

/** Copies the keys whose value is neither null nor undefined. */
function defined<T extends object>(o: Loose<T>): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, val] of Object.entries(o))
    if (val !== null && val !== undefined) (out as Record<string, unknown>)[k] = val;
  return out;
}

function issueText(issues: string[]): string {
  return issues.slice(0, 3).join("; ");
}

/** A text field as it is kept: cleaned (replaced, not removed) and capped. */
function field(v: string): string {
  return cleanField(v, MAX_FIELD_CHARS);
}

function fields(v: readonly string[]): string[] {
  return v.map(field);
}

export function toTokenSummary(role: string, rec: TokenRecord): TokenSummary {
  const token = (rec as { token?: unknown }).token;
  if (typeof token === "string") registerSecret(token);
  return {
    role: field(rec.role ?? role),
    scopes: fields(rec.scopes ?? []),
    ...defined({
      createdAtMs: rec.createdAtMs,
      updatedAtMs: rec.updatedAtMs,
      rotatedAtMs: rec.rotatedAtMs,
      revokedAtMs: rec.revokedAtMs,
      lastUsedAtMs: rec.lastUsedAtMs,
    }),
  };
}

/** The most roles a token map may hold (OpenClaw has two). */
const MAX_TOKEN_ROLES = 64;

/** Parses the role-keyed token map of a record, keeping only metadata. */
export function parseTokenMap(raw: unknown): TokenSummary[] | null {
  if (tokenMapIssues(raw, "").length > 0) return null;
  return Object.entries(raw as Record<string, TokenRecord>).map(([role, rec]) => toTokenSummary(role, rec));
}

function optionalField(v: string | null | undefined): string | undefined {
  return v === null || v === undefined ? undefined : field(v);
}

function toDescriptor(d: DescriptorRecord): DeviceDescriptor {
  return {
    deviceId: d.deviceId,
    publicKey: d.publicKey,
    roles: fields(d.roles ?? []),
    scopes: fields(d.scopes ?? []),
    ...defined({
      displayName: optionalField(d.displayName),
      platform: optionalField(d.platform),
      deviceFamily: optionalField(d.deviceFamily),
      clientId: optionalField(d.clientId),
      clientMode: optionalField(d.clientMode),
      role: optionalField(d.role),
      remoteIp: optionalField(d.remoteIp),
    }),
  };
}

export function parsePairedDevice(
  raw: unknown,
): { ok: true; value: PairedDevice } | { ok: false; problem: string } {
  const issues = recordIssues(raw, PAIRED);
  const tokens = (raw as PairedRecord | null)?.tokens;
  if (isObject(tokens)) issues.push(...tokenMapIssues(tokens, "tokens"));
  if (issues.length > 0) return { ok: false, problem: issueText(issues) };
  const d = raw as PairedRecord;
  return {
    ok: true,
    value: {
      ...toDescriptor(d),
      tokens: Object.entries(d.tokens ?? {}).map(([role, rec]) => toTokenSummary(role, rec)),
      ...defined({
        approvedScopes: d.approvedScopes ? fields(d.approvedScopes) : undefined,
        createdAtMs: d.createdAtMs,
        approvedAtMs: d.approvedAtMs,
      }),
    },
  };
}

export function parsePendingRequest(
  raw: unknown,
): { ok: true; value: PendingRequest } | { ok: false; problem: string } {
  const issues = recordIssues(raw, PENDING);
  if (issues.length > 0) return { ok: false, problem: issueText(issues) };
  const p = raw as PendingRecord;
  return {
    ok: true,
    value: {
      ...toDescriptor(p),
      requestId: p.requestId,
      silent: p.silent ?? false,
      isRepair: p.isRepair ?? false,
      ts: p.ts,
      ...defined({ refreshedAtMs: p.refreshedAtMs }),
    },
  };
}

/** The most problems one file or table reports one by one; the rest are counted in one more. */
export const MAX_PROBLEMS = 20;

/** The problem of a file or table holding more than MAX_RECORDS records. */
export function tooManyRecords(file: string, what: string, count: number | string): StateProblem {
  return {
    file,
    problem: `holds ${count} records keyed by ${what}, more than the ${MAX_RECORDS} the watchdog considers; only the first ${MAX_RECORDS} were read`,
    hint: "a flood of pairing requests: see `openclaw devices list` and reject what you did not start",
  };
}

/** Parses a keyed map of records, collecting a problem per bad entry instead of failing the whole file. */
export function parseRecordMap<T>(
  raw: unknown,
  file: string,
  what: string,
  parse: (v: unknown) => { ok: true; value: T } | { ok: false; problem: string },
): { values: T[]; problems: StateProblem[] } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      values: [],
      problems: [
        {
          file,
          problem: `expected an object keyed by ${what}, got ${Array.isArray(raw) ? "an array" : typeof raw}`,
        },
      ],
    };
  }
  const values: T[] = [];
  const problems: StateProblem[] = [];
  let seen = 0;
  for (const key in raw) {
    if (!Object.hasOwn(raw, key)) continue;
    seen++;
    if (seen > MAX_RECORDS) continue; // counted, not parsed
    const r = parse((raw as Record<string, unknown>)[key]);
    if (r.ok) values.push(r.value);
    else if (problems.length < MAX_PROBLEMS)
      problems.push({ file, problem: `entry ${cleanField(key, 80)}: ${r.problem}` });
  }
  const bad = seen - values.length - Math.max(0, seen - MAX_RECORDS);
  if (bad > problems.length)
    problems.push({ file, problem: `and ${bad - problems.length} more entries with problems` });
  if (seen > MAX_RECORDS) problems.push(tooManyRecords(file, what, seen));
  return { values, problems };
}
