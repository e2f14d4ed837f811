// The pairing-record checks: what a malformed record is reported as (path, what was expected, what was there,
// never the value itself), and that well-formed records with extra or null fields pass.
import { describe, expect, it } from "vitest";
import { parsePairedDevice, parsePendingRequest, parseTokenMap } from "../../src/sources/state/records.js";

const DEVICE = { deviceId: "d1", publicKey: "pk" };

describe("pairing records", () => {
  it.each([
    [
      "wrong types",
      { deviceId: "bad", publicKey: 7, scopes: "x" },
      "publicKey: expected a non-empty string, got number; scopes: expected an array of strings, got string",
    ],
    ["not an object", "x", "(record): expected an object, got string"],
    ["an array", [], "(record): expected an object, got an array"],
    ["a missing id", { publicKey: "pk" }, "deviceId: expected a non-empty string, got nothing"],
    [
      "bad token entries",
      { ...DEVICE, tokens: { operator: { scopes: ["a", 1] }, node: 5 } },
      "tokens.operator.scopes: expected an array of strings, got an array holding number; tokens.node: expected an object, got number",
    ],
  ])("a paired record with %s is a problem naming the field", (_what, raw, problem) => {
    expect(parsePairedDevice(raw)).toEqual({ ok: false, problem });
  });

  it("reports at most three problems of one record", () => {
    const r = parsePairedDevice({ deviceId: 1, publicKey: 2, displayName: 3, platform: 4 });
    expect(r.ok || r.problem.split("; ")).toEqual([
      "deviceId: expected a non-empty string, got number",
      "publicKey: expected a non-empty string, got number",
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
      "requestId: expected a non-empty string, got an empty string; ts: expected a number, got nothing",
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
});
