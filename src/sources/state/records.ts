// Validation of OpenClaw pairing records (paired devices, pending requests, token caches) into our types.
// Token strings are dropped here and never leave this module.

import type {
  DeviceDescriptor,
  PairedDevice,
  PendingRequest,
  StateProblem,
  TokenSummary,
} from "../../common/types.js";

// Plain checks rather than a schema library: they run on every read of the pairing state (each `check`).
const KINDS = {
  string: { ok: (v: unknown) => typeof v === "string", what: "a string" },
  text: { ok: (v: unknown) => typeof v === "string" && v.length > 0, what: "a non-empty string" },
  number: { ok: (v: unknown) => typeof v === "number", what: "a number" },
  boolean: { ok: (v: unknown) => typeof v === "boolean", what: "a boolean" },
  strings: {
    ok: (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string"),
    what: "an array of strings",
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
    return odd === undefined ? "an array" : `an array holding ${typeName(odd)}`;
  }
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
  deviceId: "text",
  publicKey: "text",
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
  requestId: "text",
  silent: "boolean?",
  isRepair: "boolean?",
  ts: "number",
  refreshedAtMs: "number?",
};

/** The issues of a role-keyed map of token records. */
function tokenMapIssues(raw: unknown, at: string): string[] {
  if (!isObject(raw)) return [`${at || "(record)"}: expected an object keyed by role, got ${typeName(raw)}`];
  return Object.entries(raw).flatMap(([role, rec]) => recordIssues(rec, TOKEN, at ? `${at}.${role}` : role));
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

export function toTokenSummary(role: string, rec: TokenRecord): TokenSummary {
  return {
    role: rec.role ?? role,
    scopes: rec.scopes ?? [],
    ...defined({
      createdAtMs: rec.createdAtMs,
      updatedAtMs: rec.updatedAtMs,
      rotatedAtMs: rec.rotatedAtMs,
      revokedAtMs: rec.revokedAtMs,
      lastUsedAtMs: rec.lastUsedAtMs,
    }),
  };
}

/** Parses the role-keyed token map of a record, keeping only metadata. */
export function parseTokenMap(raw: unknown): TokenSummary[] | null {
  if (tokenMapIssues(raw, "").length > 0) return null;
  return Object.entries(raw as Record<string, TokenRecord>).map(([role, rec]) => toTokenSummary(role, rec));
}

function toDescriptor(d: DescriptorRecord): DeviceDescriptor {
  return {
    deviceId: d.deviceId,
    publicKey: d.publicKey,
    roles: d.roles ?? [],
    scopes: d.scopes ?? [],
    ...defined({
      displayName: d.displayName,
      platform: d.platform,
      deviceFamily: d.deviceFamily,
      clientId: d.clientId,
      clientMode: d.clientMode,
      role: d.role,
      remoteIp: d.remoteIp,
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
        approvedScopes: d.approvedScopes,
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
  for (const [key, val] of Object.entries(raw)) {
    const r = parse(val);
    if (r.ok) values.push(r.value);
    else problems.push({ file, problem: `entry ${key.slice(0, 80)}: ${r.problem}` });
  }
  return { values, problems };
}
