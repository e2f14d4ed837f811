// Property tests of the pairing-state parsers (issue 11, item 11): paired.json and pending.json records and
// maps, identity/device.json, identity/device-auth.json and the SQLite rows. Whatever the input, each gives a
// typed value whose text is clean and capped, or a problem that names the file or field and never the value;
// token strings never come out; no input makes them throw.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasUnsafeChars } from "../../../src/common/clean-text.js";
import type { DeviceDescriptor, StateProblem } from "../../../src/common/types.js";
import { deviceAuthFromJson, identityFromJson } from "../../../src/sources/state/files-store.js";
import {
  MAX_FIELD_CHARS,
  MAX_LIST_ITEMS,
  MAX_PROBLEMS,
  MAX_RECORDS,
  parsePairedDevice,
  parsePendingRequest,
  parseRecordMap,
} from "../../../src/sources/state/records.js";
import { DESCRIPTOR } from "../../../src/sources/state/sqlite-schema.js";
import {
  deviceAuthFromRows,
  pairedFromRow,
  pendingFromRow,
  recordsFromRows,
} from "../../../src/sources/state/sqlite-store.js";
import { makeIdentity } from "../../helpers/openclaw-state.js";
import {
  anyValue,
  expectClean,
  hexId,
  hostileText,
  RUNS,
  recordWith,
  scopeList,
  stringsIn,
  uuid,
  validDescriptor,
} from "./arbitraries.js";

const DESCRIPTOR_KEYS = [
  "deviceId",
  "publicKey",
  "displayName",
  "platform",
  "deviceFamily",
  "clientId",
  "clientMode",
  "role",
  "roles",
  "scopes",
  "remoteIp",
];
const PLAUSIBLE = {
  deviceId: hexId,
  publicKey: fc.base64String({ minLength: 4, maxLength: 44 }),
  requestId: uuid,
  scopes: scopeList,
  approvedScopes: scopeList,
  roles: fc.array(fc.constantFrom("operator", "node"), { maxLength: 3 }),
  ts: fc.integer({ min: 0 }),
  silent: fc.boolean(),
  isRepair: fc.boolean(),
};
const tokenRecord = recordWith(["token", "role", "scopes", "createdAtMs", "revokedAtMs"], {
  token: fc.string({ minLength: 12, maxLength: 60 }),
  scopes: scopeList,
});
const tokens = fc.oneof(
  fc.dictionary(fc.constantFrom("operator", "node", "x\u202e"), tokenRecord, { maxKeys: 3 }),
  anyValue(),
);
const pairedRaw = fc.oneof(
  validDescriptor({
    tokens: fc.dictionary(fc.constantFrom("operator", "node", "x\u202e"), tokenRecord, { maxKeys: 3 }),
  }),
  recordWith([...DESCRIPTOR_KEYS, "approvedScopes", "tokens", "createdAtMs", "approvedAtMs"], {
    ...PLAUSIBLE,
    tokens,
  }),
);
const pendingRaw = fc.oneof(
  validDescriptor({ requestId: uuid, ts: fc.nat() }),
  recordWith([...DESCRIPTOR_KEYS, "requestId", "silent", "isRepair", "ts", "refreshedAtMs"], PLAUSIBLE),
);

/** A parsed descriptor: ids plain, every other text cleaned and capped, lists bounded. */
function expectCleanDescriptor(d: DeviceDescriptor): void {
  expect(d.deviceId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,255}$/);
  expect(d.publicKey.length).toBeGreaterThan(0);
  expect(hasUnsafeChars(d.publicKey)).toBe(false);
  for (const k of [
    "displayName",
    "platform",
    "deviceFamily",
    "clientId",
    "clientMode",
    "role",
    "remoteIp",
  ] as const)
    if (d[k] !== undefined) expectClean(d[k], MAX_FIELD_CHARS, k);
  for (const list of [d.roles, d.scopes]) {
    expect(list.length).toBeLessThanOrEqual(MAX_LIST_ITEMS);
    for (const s of list) expectClean(s, MAX_FIELD_CHARS, "list item");
  }
}

/** A problem: names a field path, says what was expected, is bounded, and never repeats a value of the input. */
function expectProblem(problem: string, raw: unknown): void {
  expect(problem).toMatch(/^[^:]+: expected /);
  expect(problem.length).toBeLessThan(1200);
  for (const [, s] of stringsIn(raw))
    if (s.length >= 12 && !/^[\w.]+$/.test(s)) expect(problem).not.toContain(s);
}

/**
 * The token strings a raw record holds, but for those another field holds too (a generated token can shrink to
 * "operator.admin", which the record's scopes may show by right).
 */
function tokenStrings(raw: unknown): string[] {
  const strings = stringsIn(raw);
  const elsewhere = strings.filter(([at]) => !at.endsWith(".token")).map(([, s]) => s);
  return strings
    .filter(([at]) => at.endsWith(".token"))
    .map(([, s]) => s)
    .filter((s) => s.length >= 12 && !elsewhere.some((other) => other.includes(s)));
}

describe("property: paired.json and pending.json records", () => {
  it("a paired record is a clean typed device or a problem naming the field; its token strings never come out", () => {
    let ok = 0;
    fc.assert(
      fc.property(pairedRaw, (raw) => {
        const r = parsePairedDevice(raw);
        if (r.ok) {
          ok++;
          expectCleanDescriptor(r.value);
          for (const t of r.value.tokens) {
            expectClean(t.role, MAX_FIELD_CHARS, "token role");
            for (const s of t.scopes) expectClean(s, MAX_FIELD_CHARS, "token scope");
          }
          const out = JSON.stringify(r.value);
          for (const t of tokenStrings(raw)) expect(out).not.toContain(t);
        } else expectProblem(r.problem, raw);
      }),
      RUNS,
    );
    expect(ok).toBeGreaterThan(0);
  });

  it("a pending request is a clean typed request or a problem naming the field", () => {
    let ok = 0;
    fc.assert(
      fc.property(pendingRaw, (raw) => {
        const r = parsePendingRequest(raw);
        if (r.ok) {
          ok++;
          expectCleanDescriptor(r.value);
          expect(r.value.requestId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,255}$/);
          expect(Number.isFinite(r.value.ts)).toBe(true);
          expect(typeof r.value.silent).toBe("boolean");
        } else expectProblem(r.problem, raw);
      }),
      RUNS,
    );
    expect(ok).toBeGreaterThan(0);
  });

  it("a whole file: at most MAX_RECORDS values, a bounded list of problems that name the file", () => {
    const file = "/state/devices/pending.json";
    fc.assert(
      fc.property(
        fc.oneof(
          fc.dictionary(hostileText(40), fc.oneof(pendingRaw, anyValue()), { maxKeys: 40 }),
          anyValue(),
        ),
        (raw) => {
          const r = parseRecordMap(raw, file, "requestId", parsePendingRequest);
          expect(r.values.length).toBeLessThanOrEqual(MAX_RECORDS);
          expect(r.problems.length).toBeLessThanOrEqual(MAX_PROBLEMS + 2);
          for (const p of r.problems) {
            expect(p.file).toBe(file);
            expectClean(p.problem, 2000, "problem");
          }
        },
      ),
      RUNS,
    );
  });
});

describe("property: identity/device.json and identity/device-auth.json", () => {
  const real = makeIdentity();
  const pem = fc.oneof(
    fc.constant(real.publicKeyPem),
    hostileText(),
    fc.constant(real.privateKeyPem),
    fc.constant(real.publicKeyPem.replace("MC", "M\u202eC")),
    fc.constant("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
  );

  const expectFileProblems = (problems: StateProblem[], file: string) => {
    for (const p of problems) {
      expect(p.file.endsWith(file)).toBe(true);
      expect(p.problem.length).toBeGreaterThan(0);
      expect(p.problem.length).toBeLessThan(1200);
    }
  };

  it("device.json is this machine's identity or a problem naming the file", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          recordWith(["version", "deviceId", "publicKeyPem", "privateKeyPem"], {
            version: fc.constant(1),
            deviceId: hexId,
            publicKeyPem: pem,
          }),
          anyValue(),
        ),
        (raw) => {
          const r = identityFromJson("/state", raw);
          if (r.value) {
            expect(r.value.deviceId).toMatch(/^[0-9a-f]{64}$/);
            expect(r.value.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
            expectClean(r.value.storedDeviceId, MAX_FIELD_CHARS, "storedDeviceId");
            expect(r.problems).toEqual([]);
          } else expect(r.problems.length).toBe(1);
          expectFileProblems(r.problems, "identity/device.json");
          expect(JSON.stringify(r)).not.toContain("PRIVATE KEY");
        },
      ),
      RUNS,
    );
  });

  it("device-auth.json is token metadata (never a token) or a problem naming the file", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          recordWith(["version", "deviceId", "tokens"], { version: fc.constant(1), deviceId: hexId, tokens }),
          anyValue(),
        ),
        (raw) => {
          const r = deviceAuthFromJson("/state", raw);
          if (r.value) {
            expectClean(r.value.deviceId, MAX_FIELD_CHARS, "deviceId");
            for (const t of r.value.tokens) expectClean(t.role, MAX_FIELD_CHARS, "role");
          }
          expectFileProblems(r.problems, "identity/device-auth.json");
          const out = JSON.stringify(r);
          for (const t of tokenStrings(raw)) expect(out).not.toContain(t);
        },
      ),
      RUNS,
    );
  });
});

describe("property: SQLite rows", () => {
  const column = fc.oneof(
    anyValue().filter((v) => v === null || ["string", "number"].includes(typeof v)),
    fc.bigInt(),
    fc.uint8Array({ maxLength: 16 }),
    jsonText(),
  );
  function jsonText(): fc.Arbitrary<string> {
    return fc.oneof(
      scopeList.map((s) => JSON.stringify(s)),
      anyValue().map((v) => JSON.stringify(v) ?? "null"),
      hostileText(40),
    );
  }
  const rowOf = (cols: string[], plausible: Record<string, fc.Arbitrary<unknown>>) =>
    fc.record(
      Object.fromEntries(cols.map((c) => [c, plausible[c] ? fc.oneof(plausible[c], column) : column])),
      { requiredKeys: [] },
    );
  const common = DESCRIPTOR;
  const plausible = {
    device_id: hexId,
    public_key: fc.base64String({ minLength: 4, maxLength: 44 }),
    request_id: uuid,
    roles_json: fc.constant('["operator"]'),
    scopes_json: scopeList.map((s) => JSON.stringify(s)),
    ts: fc.integer({ min: 0 }),
  };
  const pairedRow = rowOf(
    [...common, "approved_scopes_json", "token_meta", "created_at_ms", "approved_at_ms"],
    plausible,
  );
  const pendingRow = rowOf(
    [...common, "request_id", "silent", "is_repair", "ts", "refreshed_at_ms"],
    plausible,
  );

  it("a paired or pending row is a clean typed record or a problem naming the field", () => {
    fc.assert(
      fc.property(pairedRow, pendingRow, (a, b) => {
        const p = pairedFromRow(a);
        if (p.ok) expectCleanDescriptor(p.value);
        else expect(p.problem).toMatch(/^[^:]+: expected /);
        const q = pendingFromRow(b);
        if (q.ok) expectCleanDescriptor(q.value);
        else expect(q.problem).toMatch(/^[^:]+: expected /);
      }),
      RUNS,
    );
  });

  it("device_auth_tokens rows are cleaned token metadata", () => {
    fc.assert(
      fc.property(
        fc.array(rowOf(["role", "scopes_json", "updated_at_ms"], {}), { maxLength: 80 }),
        (rows) => {
          const r = deviceAuthFromRows("d1", "/s/state/openclaw.sqlite (device_auth_tokens)", rows);
          if (rows.length === 0) expect(r).toBeNull();
          else {
            expect(r?.tokens.length).toBeLessThanOrEqual(64);
            for (const t of r?.tokens ?? []) {
              expectClean(t.role, MAX_FIELD_CHARS, "role");
              expect(t.scopes.length).toBeLessThanOrEqual(MAX_LIST_ITEMS);
            }
          }
        },
      ),
      RUNS,
    );
  });

  it("a table: at most MAX_RECORDS records, bounded problems naming the table, one for too many rows", () => {
    const where = "/s/state/openclaw.sqlite (device_pairing_pending)";
    fc.assert(
      fc.property(fc.array(pendingRow, { maxLength: 40 }), (rows) => {
        const problems: StateProblem[] = [];
        const out = recordsFromRows(rows, where, "request id", "request_id", pendingFromRow, problems);
        expect(out.length + problems.length).toBeGreaterThanOrEqual(Math.min(rows.length, MAX_PROBLEMS));
        expect(problems.length).toBeLessThanOrEqual(MAX_PROBLEMS + 1);
        for (const p of problems) {
          expect(p.file).toBe(where);
          expectClean(p.problem, 2000, "problem");
        }
      }),
      { numRuns: 100 },
    );
    const ok = { device_id: "d1", public_key: "pk", request_id: "r", ts: 1 };
    const flood = Array.from({ length: MAX_RECORDS + 1 }, (_, i) => ({ ...ok, request_id: `r${i}` }));
    const problems: StateProblem[] = [];
    expect(recordsFromRows(flood, where, "request id", "request_id", pendingFromRow, problems)).toHaveLength(
      MAX_RECORDS,
    );
    expect(problems.map((p) => p.problem)).toEqual([
      `holds more than ${MAX_RECORDS} records keyed by request id, more than the ${MAX_RECORDS} the watchdog considers; only the first ${MAX_RECORDS} were read`,
    ]);
  });
});
