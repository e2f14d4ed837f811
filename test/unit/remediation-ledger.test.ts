// What the ledger keeps (pure): the attempts the bounds look at, newest first, capped.

import { describe, expect, it } from "vitest";
import {
  LEDGER_MAX_ENTRIES,
  type LedgerEntry,
  ledgerKeepMs,
  pruneLedger,
} from "../../src/actions/remediate/ledger.js";

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;
const entry = (agoMs: number, n = 0): LedgerEntry => ({
  attempt: `a-${agoMs}-${n}`,
  atMs: NOW - agoMs,
  stateDir: "/home/u/.openclaw",
  deviceId: "d",
  action: "approve",
  status: "healed",
  healed: true,
});

describe("the remediation ledger", () => {
  it("looks back an hour, the regression window or the longest backoff, whichever is longest", () => {
    expect(
      ledgerKeepMs({ regressionWindow: 30 * 60_000, backoff: { initial: 60_000, max: 30 * 60_000 } }),
    ).toBe(HOUR);
    expect(ledgerKeepMs({ regressionWindow: 3 * HOUR, backoff: { initial: 60_000, max: HOUR } })).toBe(
      3 * HOUR,
    );
    expect(ledgerKeepMs({ regressionWindow: 60_000, backoff: { initial: 60_000, max: 5 * HOUR } })).toBe(
      5 * HOUR,
    );
  });

  it("drops what is older than that and what claims to be from the future, newest first", () => {
    const kept = pruneLedger(
      [entry(2 * HOUR), entry(10 * 60_000), entry(-10 * 60_000), entry(30 * 60_000)],
      NOW,
      HOUR,
    );
    expect(kept.map((e) => NOW - e.atMs)).toEqual([10 * 60_000, 30 * 60_000]);
  });

  it("keeps at most LEDGER_MAX_ENTRIES, the newest", () => {
    const many = Array.from({ length: LEDGER_MAX_ENTRIES + 50 }, (_, i) => entry(i * 1_000, i));
    const kept = pruneLedger(many, NOW, 10 * HOUR);
    expect(kept).toHaveLength(LEDGER_MAX_ENTRIES);
    expect(kept[0]?.atMs).toBe(NOW);
    expect(kept.at(-1)?.atMs).toBe(NOW - (LEDGER_MAX_ENTRIES - 1) * 1_000);
  });
});
