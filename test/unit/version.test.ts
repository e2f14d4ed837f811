import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../src/common/version.js";
import {
  compareVersions,
  parseOpenClawVersion,
  requiredScopesForVersion,
  storeForVersion,
} from "../../src/detect/version.js";

const v = (raw: string) => {
  const parsed = parseOpenClawVersion(raw);
  if (!parsed) throw new Error(`unparsable ${raw}`);
  return parsed;
};

describe("OpenClaw versions", () => {
  it.each(["2026.4.20", "v2026.9.6", "2026.4.1-beta.1"])("parses %s", (raw) => {
    expect(parseOpenClawVersion(raw)).not.toBeNull();
  });
  it.each(["", "4.20", "latest", "2026.4"])("rejects %j", (raw) => {
    expect(parseOpenClawVersion(raw)).toBeNull();
  });
  it("orders releases numerically and prereleases first", () => {
    expect(compareVersions(v("2026.4.9"), v("2026.4.20"))).toBeLessThan(0);
    expect(compareVersions(v("2026.4.1-beta.1"), v("2026.4.1"))).toBeLessThan(0);
    expect(compareVersions(v("2026.10.1"), v("2026.9.6"))).toBeGreaterThan(0);
  });
  it.each([
    ["2026.4.18", ["operator.admin"], "files"],
    ["2026.4.24", ["operator.admin"], "files"],
    ["2026.4.25", ["operator.approvals", "operator.read", "operator.write"], "files"],
    ["2026.7.35", ["operator.approvals", "operator.read", "operator.write"], "files"],
    ["2026.8.2", ["operator.approvals", "operator.read", "operator.write"], "sqlite"],
    ["2026.9.6", ["operator.approvals", "operator.read", "operator.write"], "sqlite"],
  ])("%s needs %j and stores pairing in %s", (raw, scopes, store) => {
    expect(requiredScopesForVersion(v(raw))).toEqual(scopes);
    expect(storeForVersion(v(raw))).toBe(store);
  });
});

describe("the watchdog's own version", () => {
  it("is package.json's", () => {
    expect(VERSION).toBe((JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version);
  });
});
