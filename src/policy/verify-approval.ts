// After an approve, is what changed what was approved? Compares the pairing state read before the approve with
// the one read after: this machine's record has the identity's id and key, its roles are unchanged, its
// approved scopes stay within remediation.allowScopes plus its old baseline, and no other paired record
// changed (issue 11). Anything else halts healing. Pure.

import { approvedBaseline, localPaired, rolesOf, shortId } from "../common/pairing.js";
import { formatScopes } from "../common/scopes.js";
import type { PairedDevice, PairingSnapshot } from "../common/types.js";

/**
 * Fields OpenClaw rewrites on every use of a device, not by an approval: a token's last use. Everything else in
 * another device's record counts, so a token re-minted or rotated for another device during the approve
 * halts healing too (fail closed: the approve's few seconds are the only window).
 */
const VOLATILE_TOKEN_FIELDS: ReadonlySet<string> = new Set(["lastUsedAtMs", "lastSeenAtMs"]);

function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, x]) => [k, sortedKeys(x)]),
    );
  return v;
}

/** A record's tokens without the fields that change on use, canonical and in a stable order. */
function tokenList(d: PairedDevice): string {
  const tokens = d.tokens.map((t) =>
    JSON.stringify(
      sortedKeys(Object.fromEntries(Object.entries(t).filter(([k]) => !VOLATILE_TOKEN_FIELDS.has(k)))),
    ),
  );
  return JSON.stringify(tokens.sort());
}

/** The fields of two records that differ, tokens compared without their volatile fields. */
function changedFields(a: PairedDevice, b: PairedDevice): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof PairedDevice)[];
  return keys
    .filter((k) =>
      k === "tokens"
        ? tokenList(a) !== tokenList(b)
        : JSON.stringify(sortedKeys(a[k])) !== JSON.stringify(sortedKeys(b[k])),
    )
    .sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export interface ApprovalCheck {
  /** The pairing state read just before the (first) approve command. */
  before: PairingSnapshot;
  /** The pairing state read after the last one. */
  after: PairingSnapshot;
  /** remediation.allowScopes. */
  allowScopes: readonly string[];
}

/** Every way the change differs from what the watchdog approves; empty when it is exactly that. */
export function verifyApproval(c: ApprovalCheck): string[] {
  const out: string[] = [];
  const id = c.before.identity;
  const idAfter = c.after.identity;
  if (!id) return ["there was no device identity to approve for"];
  if (!idAfter || idAfter.deviceId !== id.deviceId || idAfter.publicKey !== id.publicKey)
    out.push(
      `this machine's identity changed during the approve (device ${shortId(id.deviceId)} -> ${idAfter ? shortId(idAfter.deviceId) : "none"})`,
    );
  const old = localPaired(c.before);
  const now = c.after.paired.find((d) => d.deviceId === id.deviceId);
  if (old && !now) out.push(`the record of this machine's device ${shortId(id.deviceId)} disappeared`);
  if (now) {
    if (now.publicKey !== id.publicKey)
      out.push(`the record of this machine's device ${shortId(id.deviceId)} now holds another public key`);
    const rolesBefore = old ? rolesOf(old) : [];
    const rolesAfter = rolesOf(now);
    if (!sameSet(rolesBefore, rolesAfter))
      out.push(
        `the roles of this machine's device changed from ${rolesBefore.join(", ") || "(none)"} to ${rolesAfter.join(", ") || "(none)"}`,
      );
    const allowed = new Set([...c.allowScopes, ...(old ? approvedBaseline(old) : [])]);
    const outside = approvedBaseline(now).filter((s) => !allowed.has(s));
    if (outside.length > 0)
      out.push(
        `this machine's device now holds ${formatScopes(outside)}, outside remediation.allowScopes and its old baseline`,
      );
  }
  const others = (s: PairingSnapshot) =>
    new Map(s.paired.filter((d) => d.deviceId !== id.deviceId).map((d) => [d.deviceId, d]));
  const before = others(c.before);
  const after = others(c.after);
  for (const [deviceId, d] of after) {
    const was = before.get(deviceId);
    if (!was) out.push(`device ${shortId(deviceId)} was paired during the approve`);
    else if (changedFields(was, d).length > 0)
      out.push(
        `the record of another device ${shortId(deviceId)} changed (${changedFields(was, d).join(", ")})`,
      );
  }
  for (const deviceId of before.keys())
    if (!after.has(deviceId)) out.push(`the record of another device ${shortId(deviceId)} was removed`);
  return out;
}
