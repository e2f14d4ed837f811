// The pairing-record checks: what a malformed record is reported as (path, what was expected, what was there,
// never the value itself), and that well-formed records with extra or null fields pass.
import { describe, expect, it } from "vitest";
import {
  MAX_FIELD_CHARS,
  MAX_RECORDS,
  parsePairedDevice,
  parsePendingRequest,
  parseRecordMap,
  parseTokenMap,
} from "../../src/sources/state/records.js";

const DEVICE = { deviceId: "d1", publicKey: "pk" };

describe("pairing records", () => {
  it.each([
    [
      "wrong types",
      { deviceId: "bad", publicKey: 7, scopes: "x" },
      "publicKey: expected a public key (at most 1024 printable characters), got number; scopes: expected an array of at most 256 strings, got string",
    ],
    ["not an object", "x", "(record): expected an object, got string"],
    ["an array", [], "(record): expected an object, got an array"],
    [
      "a missing id",
      { publicKey: "pk" },
      "deviceId: expected an id (letters, digits, '.', '_', ':', '-', at most 256), got nothing",
    ],
    [
      "bad token entries",
      { ...DEVICE, tokens: { operator: { scopes: ["a", 1] }, node: 5 } },
      "tokens.operator.scopes: expected an array of at most 256 strings, got an array holding number; tokens.node: expected an object, got number",
    ],
  ])("a paired record with %s is a problem naming the field", (_what, raw, problem) => {
    expect(parsePairedDevice(raw)).toEqual({ ok: false, problem });
  });

  it("reports at most three problems of one record", () => {
    const r = parsePairedDevice({ deviceId: 1, publicKey: 2, displayName: 3, platform: 4 });
    expect(r.ok || r.problem.split("; ")).toEqual([
      "deviceId: expected an id (letters, digits, '.', '_', ':', '-', at most 256), got number",
      "publicKey: expected a public key (at most 1024 printable characters), got number",
      "displayName: expected a string, got number",
    ]);
  });

  it("does not show a token that sits where a field should be", () => {
    const r = parsePairedDevice({ ...DEVICE, role: { token: "tok-5f9a1c7e2b" } });
    expect(r).toEqual({ ok: false, problem: "role: expected a string, got object" });
  });

  it("accepts extra keys and null optional fields, and drops token strings", () => {
    const r = parsePairedDevice({
      ...DEVICE,
      displayName: null,
      scopes: ["operator.read"],
      tokens: {
        operator: { token: "tok-5f9a1c7e2b", role: null, scopes: ["operator.read"], createdAtMs: 5 },
      },
      somethingNew: { nested: true },
    });
    expect(r).toEqual({
      ok: true,
      value: {
        ...DEVICE,
        roles: [],
        scopes: ["operator.read"],
        tokens: [{ role: "operator", scopes: ["operator.read"], createdAtMs: 5 }],
      },
    });
  });

  it.each([
    [
      "an empty request id and no ts",
      { ...DEVICE, requestId: "" },
      "requestId: expected an id (letters, digits, '.', '_', ':', '-', at most 256), got an empty string; ts: expected a number, got nothing",
    ],
    [
      "a silent flag that is text",
      { ...DEVICE, requestId: "r", ts: 1, silent: "yes" },
      "silent: expected a boolean, got string",
    ],
  ])("a pending request with %s is a problem naming the field", (_what, raw, problem) => {
    expect(parsePendingRequest(raw)).toEqual({ ok: false, problem });
  });

  it("reads a pending request with defaults for the flags", () => {
    const r = parsePendingRequest({ ...DEVICE, requestId: "r", ts: 10, isRepair: true });
    expect(r).toEqual({
      ok: true,
      value: { ...DEVICE, roles: [], scopes: [], requestId: "r", silent: false, isRepair: true, ts: 10 },
    });
  });

  it("a token map must be an object of token records", () => {
    expect(parseTokenMap([])).toBeNull();
    expect(parseTokenMap({ operator: { scopes: "operator.read" } })).toBeNull();
    expect(parseTokenMap({ operator: { scopes: ["operator.read"] } })).toEqual([
      { role: "operator", scopes: ["operator.read"] },
    ]);
  });

  it("cleans every text field where it is parsed: control, bidi and invisible characters replaced, length capped", () => {
    const r = parsePendingRequest({
      ...DEVICE,
      requestId: "r",
      ts: 1,
      displayName: "my\u202eexe.txt\u001b[31m laptop\nOK: all good",
      clientId: "cli\u200b",
      clientMode: "cli\u0000",
      platform: "x".repeat(10_000),
      remoteIp: "\u200b",
      scopes: ["operator.read", "operator.admin\u2066"],
    });
    if (!r.ok) throw new Error(r.problem);
    const v = r.value;
    expect(v.displayName).toBe("my\ufffdexe.txt\ufffd[31m laptop\ufffdOK: all good");
    // replaced, never removed: a cleaned value never turns into one a guard accepts
    expect(v.clientId).toBe("cli\ufffd");
    expect(v.clientMode).toBe("cli\ufffd");
    expect(v.remoteIp).toBe("\ufffd");
    expect(v.scopes).toEqual(["operator.read", "operator.admin\ufffd"]);
    expect(v.platform).toHaveLength(MAX_FIELD_CHARS);
    expect(v.platform?.endsWith("…")).toBe(true);
  });

  it("refuses ids a terminal or shell would read twice, and lists too long to consider, naming the field", () => {
    expect(parsePendingRequest({ ...DEVICE, requestId: "r; rm -rf ~", ts: 1 })).toEqual({
      ok: false,
      problem: "requestId: expected an id (letters, digits, '.', '_', ':', '-', at most 256), got string",
    });
    expect(parsePendingRequest({ ...DEVICE, deviceId: "d\u202e1", requestId: "r", ts: 1 })).toEqual({
      ok: false,
      problem:
        "deviceId: expected an id (letters, digits, '.', '_', ':', '-', at most 256), got a string with control or invisible characters",
    });
    const many = Array.from({ length: 300 }, (_, i) => `s${i}`);
    expect(parsePendingRequest({ ...DEVICE, requestId: "r", ts: 1, scopes: many })).toEqual({
      ok: false,
      problem: "scopes: expected an array of at most 256 strings, got an array of 300 items",
    });
  });

  it("considers at most MAX_RECORDS entries of a file, counts the rest, and reports bad entries in bounded text", () => {
    const raw: Record<string, unknown> = {};
    for (let i = 0; i < MAX_RECORDS + 5; i++) raw[`r${i}`] = { ...DEVICE, requestId: `r${i}`, ts: i };
    raw["bad\u001b]0;x"] = { nope: true };
    const r = parseRecordMap(raw, "/s/devices/pending.json", "requestId", parsePendingRequest);
    expect(r.values).toHaveLength(MAX_RECORDS);
    expect(r.problems.map((p) => p.problem)).toEqual([
      `holds ${MAX_RECORDS + 6} records keyed by requestId, more than the ${MAX_RECORDS} the watchdog considers; only the first ${MAX_RECORDS} were read`,
    ]);
    const few: Record<string, unknown> = { "bad\u001b]0;x": 5 };
    for (let i = 0; i < 30; i++) few[`b${i}`] = 5;
    const p = parseRecordMap(few, "/s/devices/pending.json", "requestId", parsePendingRequest).problems;
    expect(p[0]?.problem).toBe("entry bad\ufffd]0;x: (record): expected an object, got number");
    expect(p).toHaveLength(21);
    expect(p.at(-1)?.problem).toBe("and 11 more entries with problems");
  });
});
