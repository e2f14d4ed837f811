// Validation of OpenClaw pairing records (paired devices, pending requests, token caches) into our types.
// Token strings are dropped here and never leave this module.

import { z } from "zod";
import type {
  DeviceDescriptor,
  PairedDevice,
  PendingRequest,
  StateProblem,
  TokenSummary,
} from "../../common/types.js";

const strings = z.array(z.string());
const optStr = z.string().optional().nullable();
const optNum = z.number().optional().nullable();

const tokenRecord = z.looseObject({
  role: optStr,
  scopes: strings.optional().nullable(),
  createdAtMs: optNum,
  updatedAtMs: optNum,
  rotatedAtMs: optNum,
  revokedAtMs: optNum,
  lastUsedAtMs: optNum,
});

const descriptorRecord = z.looseObject({
  deviceId: z.string().min(1),
  publicKey: z.string().min(1),
  displayName: optStr,
  platform: optStr,
  deviceFamily: optStr,
  clientId: optStr,
  clientMode: optStr,
  role: optStr,
  roles: strings.optional().nullable(),
  scopes: strings.optional().nullable(),
  remoteIp: optStr,
});

const pairedRecord = descriptorRecord.extend({
  approvedScopes: strings.optional().nullable(),
  tokens: z.record(z.string(), tokenRecord).optional().nullable(),
  createdAtMs: optNum,
  approvedAtMs: optNum,
});

const pendingRecord = descriptorRecord.extend({
  requestId: z.string().min(1),
  silent: z.boolean().optional().nullable(),
  isRepair: z.boolean().optional().nullable(),
  ts: z.number(),
  refreshedAtMs: optNum,
});

type Loose<T> = { [K in keyof T]?: T[K] | null | undefined };

/** Copies the keys whose value is neither null nor undefined. */
function defined<T extends object>(o: Loose<T>): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, val] of Object.entries(o))
    if (val !== null && val !== undefined) (out as Record<string, unknown>)[k] = val;
  return out;
}

function issueText(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(record)"}: ${i.message}`)
    .join("; ");
}

export function toTokenSummary(role: string, rec: z.infer<typeof tokenRecord>): TokenSummary {
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
  const parsed = z.record(z.string(), tokenRecord).safeParse(raw);
  if (!parsed.success) return null;
  return Object.entries(parsed.data).map(([role, rec]) => toTokenSummary(role, rec));
}

function toDescriptor(d: z.infer<typeof descriptorRecord>): DeviceDescriptor {
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
  const r = pairedRecord.safeParse(raw);
  if (!r.success) return { ok: false, problem: issueText(r.error) };
  const d = r.data;
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
  const r = pendingRecord.safeParse(raw);
  if (!r.success) return { ok: false, problem: issueText(r.error) };
  const p = r.data;
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
