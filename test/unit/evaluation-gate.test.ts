// The daemon's evaluation pacing (issue 11, item 8): one at a time, at most one per minimum interval, bursts
// merged into one follow-up that reads the latest state, and the last trigger never lost. Fake timers and a fake
// clock drive it; the evaluations are promises the test resolves.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createEvaluationGate } from "../../src/daemon/evaluation-gate.js";

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);

function setup(minIntervalMs = 50, runMs = 0) {
  const world = { value: 0 };
  const runs: { trigger: string; atMs: number; startedMs: number; saw: number }[] = [];
  let active = 0;
  let overlap = 0;
  const errors: string[] = [];
  const gate = createEvaluationGate({
    onError: (err, trigger) => errors.push(`${trigger}: ${String(err)}`),
    minIntervalMs: () => minIntervalMs,
    now: () => Date.now(),
    run: async (trigger, atMs) => {
      active++;
      overlap = Math.max(overlap, active);
      // it reads the state when it starts, like an inspection does
      runs.push({ trigger, atMs, startedMs: Date.now(), saw: world.value });
      if (trigger === "boom") throw new Error("a bug");
      if (runMs > 0) await new Promise((r) => setTimeout(r, runMs));
      active--;
      return world.value;
    },
  });
  return { world, runs, gate, errors, overlap: () => overlap };
}

describe("the evaluation gate", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("evaluates a lone trigger at once", async () => {
    const t = setup();
    t.gate.trigger("files:devices/paired.json", T0);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.runs.map((r) => [r.trigger, r.startedMs])).toEqual([["files:devices/paired.json", T0]]);
  });

  it("a flood of 10,000 triggers a second costs at most 1000/minInterval evaluations, the last on the last state", async () => {
    const t = setup(50, 3);
    for (let ms = 0; ms < 1_000; ms++) {
      for (let i = 0; i < 10; i++) {
        t.world.value++;
        t.gate.trigger(i % 2 === 0 ? "files:devices/paired.json" : "log:pairing-required-close", Date.now());
      }
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(200);
    // 1 at once, then one per 50 ms: 20 in the second of the flood, and one after it for its tail
    expect(t.runs.length).toBeLessThanOrEqual(21);
    expect(t.runs.length).toBeGreaterThanOrEqual(20);
    expect(t.overlap()).toBe(1);
    for (let i = 1; i < t.runs.length; i++) {
      expect((t.runs[i]?.startedMs ?? 0) - (t.runs[i - 1]?.startedMs ?? 0)).toBeGreaterThanOrEqual(50);
    }
    expect(t.runs.at(-1)?.saw).toBe(10_000);
    // merged reasons are named once each, however many triggers there were
    expect(t.runs[1]?.trigger.split("+").sort()).toEqual([
      "files:devices/paired.json",
      "log:pairing-required-close",
    ]);
  });

  it("a trigger during an evaluation is run after it, with the earliest trigger time of the merged ones", async () => {
    const t = setup(0, 10);
    t.gate.trigger("start", T0);
    await vi.advanceTimersByTimeAsync(1);
    t.world.value = 1;
    t.gate.trigger("files:a", T0 + 1);
    t.world.value = 2;
    t.gate.trigger("reconcile", T0 + 2);
    await vi.advanceTimersByTimeAsync(50);
    expect(t.runs.map((r) => [r.trigger, r.atMs, r.saw])).toEqual([
      ["start", T0, 0],
      ["files:a+reconcile", T0 + 1, 2],
    ]);
    expect(t.overlap()).toBe(1);
  });

  it("runNow waits for the evaluation in flight and returns its own result", async () => {
    const t = setup(50, 10);
    t.gate.trigger("files:a", T0);
    await vi.advanceTimersByTimeAsync(1);
    t.world.value = 7;
    const first = t.gate.runNow("start", Date.now());
    await vi.advanceTimersByTimeAsync(30);
    await expect(first).resolves.toBe(7);
    expect(t.runs.map((r) => r.trigger)).toEqual(["files:a", "start"]);
    expect(t.overlap()).toBe(1);
  });

  it("a clock that went back waits one interval at most; one that jumped ahead runs at once", async () => {
    const t = setup(50);
    t.gate.trigger("a", T0);
    await vi.advanceTimersByTimeAsync(0);
    vi.setSystemTime(T0 - 3_600_000); // an hour back
    t.gate.trigger("b", Date.now());
    await vi.advanceTimersByTimeAsync(49);
    expect(t.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.runs.map((r) => r.trigger)).toEqual(["a", "b"]);
    vi.setSystemTime(Date.now() + 86_400_000); // a day ahead
    t.gate.trigger("c", Date.now());
    await vi.advanceTimersByTimeAsync(0);
    expect(t.runs.map((r) => r.trigger)).toEqual(["a", "b", "c"]);
  });

  it("an evaluation that throws is reported with its trigger, and the next one still runs", async () => {
    const t = setup(50);
    t.gate.trigger("boom", T0);
    await vi.advanceTimersByTimeAsync(0);
    t.gate.trigger("files:a", Date.now());
    await vi.advanceTimersByTimeAsync(50);
    expect(t.errors).toEqual(["boom: Error: a bug"]);
    expect(t.runs.map((r) => r.trigger)).toEqual(["boom", "files:a"]);
  });

  it("stop drops the pending follow-up and leaves no timer", async () => {
    const t = setup(50);
    t.gate.trigger("a", T0);
    await vi.advanceTimersByTimeAsync(0);
    t.gate.trigger("b", T0);
    expect(vi.getTimerCount()).toBe(1);
    t.gate.stop();
    t.gate.stop();
    expect(vi.getTimerCount()).toBe(0);
    t.gate.trigger("c", T0);
    await vi.advanceTimersByTimeAsync(100);
    await t.gate.idle();
    expect(t.runs.map((r) => r.trigger)).toEqual(["a"]);
  });
});
