// The finding-code catalogue is the one place a code is described: the README, silences and incidents follow it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FINDING_CATALOGUE, FINDING_CODES, isFindingCode } from "../../src/common/finding-codes.js";
import type { Finding } from "../../src/common/types.js";
import { fingerprint } from "../../src/policy/incidents.js";

const README = readFileSync(path.resolve(import.meta.dirname, "..", "..", "README.md"), "utf8");

describe("finding-code catalogue", () => {
  it.each(FINDING_CODES)("the README's findings table explains %s", (code) => {
    expect(README).toMatch(new RegExp(`^\\|[^\\n]*\`${code}\`[^\\n]*\\|`, "m"));
  });

  it("knows its own codes and nothing inherited", () => {
    expect(isFindingCode("scope-regression")).toBe(true);
    expect(isFindingCode("toString")).toBe(false);
    expect(isFindingCode("constructor")).toBe(false);
    expect(isFindingCode("Scope-Regression")).toBe(false);
  });

  it("keeps the contract's codes (DESIGN §2: never renamed)", () => {
    for (const code of [
      "scope-upgrade-pending",
      "baseline-missing-scope",
      "scope-regression",
      "token-scope-drift",
      "device-not-paired",
      "device-identity-changed",
      "pairing-required-close",
      "device-token-mismatch",
      "gateway-auth-failure",
      "legacy-device-auth-present",
      "gateway-unreachable",
      "state-unreadable",
    ]) {
      expect(FINDING_CODES).toContain(code);
    }
  });

  it("tells incidents apart by the catalogue's incident key", () => {
    const f = (over: Partial<Finding>): Finding => ({
      code: "scope-upgrade-pending",
      severity: "warning",
      message: "m",
      deviceId: "d1",
      ...over,
    });
    // a pending upgrade keeps its incident while its request id churns
    expect(fingerprint(f({ requestId: "a" }))).toBe(fingerprint(f({ requestId: "b" })));
    // every other device's request is one incident: a flood of requests stays one notification
    const other = { code: "pairing-request-other-device" as const };
    expect(fingerprint(f({ ...other, requestId: "a", deviceId: "d1" }))).toBe(
      fingerprint(f({ ...other, requestId: "b", deviceId: "d2" })),
    );
    // each unreadable file is its own problem
    const unreadable = { code: "state-unreadable" as const };
    expect(fingerprint(f({ ...unreadable, file: "x" }))).not.toBe(
      fingerprint(f({ ...unreadable, file: "y" })),
    );
    expect(FINDING_CATALOGUE["state-unreadable"].incidentKey).toBe("device+file");
  });
});
