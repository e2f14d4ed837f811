// A restart of the whole wiring with fakes (issue 11, item 10): a second watchdog on the same in-memory data
// dir goes on from what the first one stored. No "opened" event and no notification for an incident still
// open; exactly one "resolved" event and one recovery for one that healed while it was down; the repeat timer
// goes on from the last one sent.

import { describe, expect, it, vi } from "vitest";
import { CLI_SCOPES, paired, snapshot } from "../helpers/records.js";
import { LOCATION, memoryStore, narrowed, world } from "../helpers/watchdog-world.js";

const PAIRED = [`${LOCATION.stateDir}/devices/paired.json`];
const CODES = ["baseline-missing-scope", "scope-regression", "scope-upgrade-pending"];

/** A first watchdog that sees the seed's narrowing, tells it, and stops. */
async function narrowedAndTold(data = memoryStore()) {
  const a = world(data);
  await a.w.start();
  await a.evaluated(1);
  a.clock.ms += 60_000;
  a.state.snap = narrowed(a.clock.ms - 1_000);
  a.hooks.fileChange?.(PAIRED);
  await a.evaluated(2);
  await vi.waitFor(() => expect(a.sent).toHaveLength(1), { timeout: 2_000, interval: 2 });
  await a.w.stop();
  return { data, stoppedAtMs: a.clock.ms, requestTs: a.clock.ms - 1_000 };
}

describe("the watchdog after a restart", () => {
  it("stores the open incidents and the notification state when it stops", async () => {
    const { data } = await narrowedAndTold();
    const stored = data.incidents.get(LOCATION.stateDir);
    expect(
      Object.values(stored?.open ?? {})
        .map((i) => i.code)
        .sort(),
    ).toEqual(CODES);
    const groups = Object.values(data.notify.state?.groups ?? {});
    expect(groups.map((g) => [g.notified, g.peakSentSeverity])).toEqual([[true, "critical"]]);
  });

  it("an incident still open is not opened or told again; when it heals, one recovery", async () => {
    const { data, stoppedAtMs, requestTs } = await narrowedAndTold();
    const b = world(data, stoppedAtMs + 30_000);
    b.state.snap = narrowed(requestTs);
    await b.w.start();
    await b.evaluated(1);
    expect(b.evaluations[0]?.events).toEqual([]);
    expect(
      b.w
        .status()
        .incidents.map((i) => i.code)
        .sort(),
    ).toEqual(CODES);
    b.clock.ms += 10_000;
    b.hooks.fileChange?.(PAIRED);
    await b.evaluated(2);
    expect(b.evaluations[1]?.events).toEqual([]);

    b.clock.ms += 60_000;
    b.state.snap = snapshot({ paired: [paired(CLI_SCOPES)] });
    b.hooks.fileChange?.(PAIRED);
    await b.evaluated(3);
    expect(b.evaluations[2]?.events.map((e) => e.type)).toEqual(["resolved", "resolved", "resolved"]);
    await vi.waitFor(() => expect(b.sent).toHaveLength(1), { timeout: 2_000, interval: 2 });
    await b.w.stop();
    expect(b.sent.map((n) => n.kind)).toEqual(["recovered"]);
  });

  it("an incident that healed while it was down resolves once and is told once, and not again later", async () => {
    const { data, stoppedAtMs } = await narrowedAndTold();
    const b = world(data, stoppedAtMs + 600_000);
    await b.w.start();
    await b.evaluated(1);
    expect(b.evaluations[0]?.events.map((e) => [e.type, e.incident.code]).sort()).toEqual(
      CODES.map((c) => ["resolved", c]),
    );
    await vi.waitFor(() => expect(b.sent).toHaveLength(1), { timeout: 2_000, interval: 2 });
    b.clock.ms += 10_000;
    await b.hooks.reconcile?.();
    await b.evaluated(2);
    expect(b.evaluations[1]?.events).toEqual([]);
    await b.w.stop();
    expect(b.sent.map((n) => n.kind)).toEqual(["recovered"]);
    expect(b.sent[0]?.body).toMatch(/approv/i);

    const c = world(data, b.clock.ms + 600_000);
    await c.w.start();
    await c.evaluated(1);
    await c.w.stop();
    expect(c.evaluations[0]?.events).toEqual([]);
    expect(c.sent).toEqual([]);
  });

  it("a critical incident still open days later is repeated once at start, not in a burst", async () => {
    const { data, stoppedAtMs, requestTs } = await narrowedAndTold();
    const b = world(data, stoppedAtMs + 3 * 86_400_000);
    b.state.snap = narrowed(requestTs);
    await b.w.start();
    await b.evaluated(1);
    await vi.waitFor(() => expect(b.sent).toHaveLength(1), { timeout: 2_000, interval: 2 });
    for (let i = 2; i <= 4; i++) {
      b.clock.ms += 1_000;
      await b.hooks.reconcile?.();
      await b.evaluated(i);
    }
    await b.w.stop();
    expect(b.sent.map((n) => n.kind)).toEqual(["repeat"]);
  });

  it("a burst of evaluations that change nothing that matters writes nothing new", async () => {
    const { data, stoppedAtMs, requestTs } = await narrowedAndTold();
    const before = { ...data.writes };
    const b = world(data, stoppedAtMs + 1_000);
    b.state.snap = narrowed(requestTs);
    await b.w.start();
    for (let i = 2; i <= 20; i++) {
      b.clock.ms += 100;
      await b.hooks.reconcile?.();
      await b.evaluated(i);
    }
    await b.w.stop();
    expect(data.writes).toEqual(before);
  });
});

describe("healing after a restart", () => {
  it("a remediable incident still open from before the restart gets a remediation pass on the first look", async () => {
    const { data, stoppedAtMs, requestTs } = await narrowedAndTold();
    const b = world(data, stoppedAtMs + 30_000);
    b.state.snap = narrowed(requestTs);
    await b.w.start();
    await b.evaluated(1);
    expect(b.evaluations[0]?.events).toEqual([]);
    // no event opened, and still the pass ran (policy notify: it decided and recorded, and ran no command)
    await vi.waitFor(() => expect(b.audit.some((a) => a.action === "notify")).toBe(true), {
      timeout: 2_000,
      interval: 2,
    });
    expect(b.commands).toEqual([]);
  });
});
