// The notification policy across a restart (issue 11, item 10): its state goes through JSON and the stored
// schema like notify-state.json does, and the policy goes on from it: nothing told twice, a recovery told once,
// repeats, flapping and the rate limit continuing, and a clock that jumped handled without bursts. Pure.

import { describe, expect, it } from "vitest";
import { notifyStateSchema } from "../../src/actions/stored-state.js";
import type { Finding } from "../../src/common/types.js";
import { defaultNotifyConfig, type NotifyConfigInput } from "../../src/config/schema-notify.js";
import { decide, emptyNotifyState, type NotifyDecision, type NotifyState } from "../../src/policy/notify.js";
import { notifyStateDigest } from "../../src/policy/notify-state.js";

const DEV = "c".repeat(64);
const REQ = "0d9a4c1e-2b3f-4a5b-8c6d-7e8f9a0b1c2d";
const MIN = 60_000;
const H = 3_600_000;
const T = Date.UTC(2026, 11, 2, 9, 0, 0);

const critical: Finding = {
  code: "scope-regression",
  severity: "critical",
  message: "The approved scopes of this machine's device narrowed: operator.admin is gone.",
  deviceId: DEV,
  scopes: ["operator.admin"],
};
const upgrade = (ageS: number): Finding => ({
  code: "scope-upgrade-pending",
  severity: "warning",
  message: `This machine's device asks for operator.admin (${ageS}s old).`,
  deviceId: DEV,
  requestId: REQ,
  fix: { command: `openclaw devices approve ${REQ}`, explanation: "approves this machine's own request" },
});

/** A running policy: feeds evaluations (findings) or timer ticks (null) and keeps the state. */
function policy(cfg: NotifyConfigInput = {}, from: NotifyState = emptyNotifyState()) {
  const config = defaultNotifyConfig({ groupWait: "0ms", ...cfg });
  let state = from;
  const decisions: NotifyDecision[] = [];
  return {
    at(nowMs: number, findings: Finding[] | null): NotifyDecision {
      const d = decide(state, { findings, silences: [] }, nowMs, config);
      state = d.next;
      decisions.push(d);
      return d;
    },
    sent: () => decisions.flatMap((d) => d.notifications.map((n) => `${n.kind}@${n.atMs - T}`)),
    /** The state as the next run reads it back from notify-state.json. */
    stored: (): NotifyState => notifyStateSchema.parse(JSON.parse(JSON.stringify(state))),
  };
}

describe("the notification policy after a restart", () => {
  it("an incident still open is not told again", () => {
    const before = policy();
    before.at(T, [critical, upgrade(1)]);
    expect(before.sent()).toEqual(["new@0"]);
    const after = policy({}, before.stored());
    after.at(T + 10 * MIN, [critical, upgrade(601)]);
    after.at(T + 20 * MIN, [critical, upgrade(1201)]);
    expect(after.sent()).toEqual([]);
  });

  it("an incident that healed while the watchdog was down is told once as recovered", () => {
    const before = policy();
    before.at(T, [critical]);
    const after = policy({}, before.stored());
    after.at(T + 30 * MIN, []);
    after.at(T + 31 * MIN, []);
    after.at(T + 32 * MIN, null);
    expect(after.sent()).toEqual([`recovered@${30 * MIN}`]);
    // and the run after that does not tell it again
    const third = policy({}, after.stored());
    third.at(T + 40 * MIN, []);
    expect(third.sent()).toEqual([]);
  });

  it("the repeat is due repeatAfter after the last one sent before the restart, not after the restart", () => {
    const before = policy();
    before.at(T, [critical]);
    const after = policy({}, before.stored());
    expect(after.at(T + 3 * H, [critical]).wakeAtMs).toBe(T + 4 * H);
    after.at(T + 4 * H, null);
    expect(after.sent()).toEqual([`repeat@${4 * H}`]);
  });

  it("a clock that jumped days ahead sends one repeat, then waits the full repeatAfter", () => {
    const before = policy();
    before.at(T, [critical]);
    const after = policy({}, before.stored());
    const d = after.at(T + 72 * H, [critical]);
    after.at(T + 72 * H + 1, [critical]);
    after.at(T + 72 * H + 2, null);
    expect(after.sent()).toEqual([`repeat@${72 * H}`]);
    expect(d.wakeAtMs).toBe(T + 76 * H);
  });

  it("a clock that went back waits repeatAfter from now, never longer, and never a negative time", () => {
    const before = policy();
    before.at(T, [critical]);
    const after = policy({}, before.stored());
    const back = T - 2 * H;
    const d = after.at(back, [critical]);
    expect(after.sent()).toEqual([]);
    expect(d.wakeAtMs).toBe(back + 4 * H);
    expect(d.next.groups[`device:${DEV}`]?.lastSentAtMs).toBe(back);
  });

  it("the rate-limit window goes on: what was sent before the restart still counts", () => {
    const before = policy({ rateLimit: { max: 1, per: "1h" } });
    before.at(T, [critical]);
    const after = policy({ rateLimit: { max: 1, per: "1h" } }, before.stored());
    const other: Finding = { ...critical, deviceId: "d".repeat(64) };
    const d = after.at(T + 10 * MIN, [critical, other]);
    expect(d.notifications).toEqual([]);
    expect(d.suppressed.map((s) => s.reason)).toEqual(["rate-limited"]);
    after.at(T + H, [critical, other]);
    expect(after.sent()).toEqual([`rate-limited@${H}`]);
  });

  it("flapping goes on: toggles before the restart count toward it", () => {
    const cfg = { flapping: { transitions: 3, within: "15m", stableFor: "10m" } } as const;
    const before = policy(cfg);
    before.at(T, [critical]);
    before.at(T + MIN, []);
    before.at(T + 2 * MIN, [critical]);
    expect(before.sent()).toEqual(["new@0", `recovered@${MIN}`, `new@${2 * MIN}`]);
    const after = policy(cfg, before.stored());
    after.at(T + 3 * MIN, []);
    expect(after.sent()).toEqual([`flapping@${3 * MIN}`]);
  });
});

describe("what is worth saving", () => {
  it("a finding's changed wording is not; a sent notification or a new request is", () => {
    const p = policy();
    const first = p.at(T, [critical, upgrade(1)]).next;
    const reworded = p.at(T + 1_000, [critical, upgrade(2)]).next;
    expect(notifyStateDigest(reworded)).toBe(notifyStateDigest(first));
    const churned = p.at(T + 2_000, [critical, { ...upgrade(3), requestId: "another" }]).next;
    expect(notifyStateDigest(churned)).not.toBe(notifyStateDigest(reworded));
    const healed = p.at(T + 3_000, []).next;
    expect(notifyStateDigest(healed)).not.toBe(notifyStateDigest(churned));
  });

  it("a foreign shape is refused by the stored schema", () => {
    expect(notifyStateSchema.safeParse({ groups: {}, sentAtMs: [-1], held: null }).success).toBe(false);
    expect(
      notifyStateSchema.safeParse({ groups: { x: { key: "x" } }, sentAtMs: [], held: null }).success,
    ).toBe(false);
    expect(notifyStateSchema.safeParse(emptyNotifyState()).success).toBe(true);
  });
});
