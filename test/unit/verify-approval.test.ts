// After an approve: the change must be exactly what the watchdog approves. One row per way it can differ.

import { describe, expect, it } from "vitest";
import type { PairedDevice, PairingSnapshot } from "../../src/common/types.js";
import { verifyApproval } from "../../src/policy/verify-approval.js";
import { CLI_SCOPES, ME, paired, snapshot } from "../helpers/records.js";

const OTHER: PairedDevice = {
  deviceId: "b".repeat(64),
  publicKey: "pkB",
  displayName: "phone",
  role: "operator",
  roles: ["operator"],
  scopes: ["operator.read"],
  approvedScopes: ["operator.read"],
  tokens: [{ role: "operator", scopes: ["operator.read"], createdAtMs: 1, lastUsedAtMs: 5 }],
};
const NARROW = paired(["operator.approvals"]);
const before: PairingSnapshot = snapshot({ paired: [NARROW, OTHER] });
const healed = paired(CLI_SCOPES, { tokens: [{ role: "operator", scopes: CLI_SCOPES, rotatedAtMs: 9 }] });
const stateAfter = (
  local: PairedDevice | null,
  other: PairedDevice | null = OTHER,
  extra: PairedDevice[] = [],
) => snapshot({ paired: [...(local ? [local] : []), ...(other ? [other] : []), ...extra] });

const check = (a: PairingSnapshot, allowScopes: string[] = CLI_SCOPES) =>
  verifyApproval({ before, after: a, allowScopes });

describe("verifyApproval", () => {
  it("accepts the approve it made: the local device healed, other devices as they were but for last use", () => {
    const used = { role: "operator", scopes: ["operator.read"], createdAtMs: 1, lastUsedAtMs: 99 };
    expect(check(stateAfter(healed, { ...OTHER, tokens: [used] }))).toEqual([]);
  });

  it("accepts an approve that changed nothing (the heal check then says not healed)", () => {
    expect(check(before)).toEqual([]);
  });

  it.each<[string, PairingSnapshot, RegExp, string[]?]>([
    [
      "a scope outside allowScopes and the old baseline",
      stateAfter(paired([...CLI_SCOPES, "operator.questions"])),
      /now holds operator\.questions, outside remediation\.allowScopes and its old baseline/,
    ],
    [
      "a scope the allow-list lacks (a narrower allow-list)",
      stateAfter(healed),
      /now holds operator\.admin, operator\.pairing, operator\.read, operator\.talk\.secrets, operator\.write, outside/,
      ["operator.approvals"],
    ],
    [
      "another key on the local record",
      stateAfter({ ...healed, publicKey: "pkX" }),
      /now holds another public key/,
    ],
    [
      "a role added",
      stateAfter({ ...healed, roles: ["operator", "node"] }),
      /roles of this machine's device changed from operator to operator, node/,
    ],
    ["the local record gone", stateAfter(null), /record of this machine's device aaaaaaaaaaaa… disappeared/],
    [
      "another device's scopes widened",
      stateAfter(healed, { ...OTHER, approvedScopes: ["operator.admin"], scopes: ["operator.admin"] }),
      /record of another device bbbbbbbbbbbb… changed \(approvedScopes, scopes\)/,
    ],
    [
      "another device's token re-minted",
      stateAfter(healed, {
        ...OTHER,
        tokens: [{ role: "operator", scopes: ["operator.read"], createdAtMs: 2 }],
      }),
      /another device bbbbbbbbbbbb… changed \(tokens\)/,
    ],
    ["another device removed", stateAfter(healed, null), /another device bbbbbbbbbbbb… was removed/],
    [
      "a new device paired",
      stateAfter(healed, OTHER, [{ ...OTHER, deviceId: "c".repeat(64) }]),
      /device cccccccccccc… was paired during the approve/,
    ],
    [
      "the identity changed",
      { ...stateAfter(healed), identity: { ...ME, publicKey: "pkZ" } },
      /identity changed during the approve/,
    ],
  ])("flags %s", (_n, a, why, allow) => {
    const diffs = check(a, allow);
    expect(diffs.join("; ")).toMatch(why);
  });
});
