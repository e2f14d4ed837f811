import { describe, expect, it } from "vitest";
import { lostScopes, missingScopes, normalizeScopes, scopeSatisfied } from "../../src/common/scopes.js";

describe("scopeSatisfied (OpenClaw's implication rules)", () => {
  it.each([
    [["operator.admin"], "operator.write", true],
    [["operator.admin"], "operator.pairing", true],
    [["operator.admin"], "node.invoke", false],
    [["operator.write"], "operator.read", true],
    [["operator.read"], "operator.write", false],
    [["operator.approvals"], "operator.admin", false],
    [["operator.approvals"], "operator.approvals", true],
    [["operator.write"], "operator.approvals", false],
    [[], "operator.read", false],
  ])("%j satisfies %s: %s", (granted, wanted, expected) => {
    expect(scopeSatisfied(granted, wanted)).toBe(expected);
  });
});

describe("missingScopes / lostScopes", () => {
  it("lists what the baseline lacks, normalised", () => {
    expect(missingScopes(["operator.approvals"], [" operator.admin", "operator.approvals"])).toEqual([
      "operator.admin",
    ]);
    expect(
      missingScopes(["operator.admin"], ["operator.read", "operator.write", "operator.approvals"]),
    ).toEqual([]);
  });
  it("does not count scopes still implied as lost", () => {
    expect(lostScopes(["operator.read", "operator.write"], ["operator.admin"])).toEqual([]);
    expect(lostScopes(["operator.admin", "operator.approvals"], ["operator.approvals"])).toEqual([
      "operator.admin",
    ]);
  });
  it("normalises like OpenClaw: trimmed, unique, sorted", () => {
    expect(normalizeScopes(["b", " a", "b", ""])).toEqual(["a", "b"]);
  });
});
