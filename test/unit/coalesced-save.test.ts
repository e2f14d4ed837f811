// Saving in bursts (src/common/coalesced-save.ts): the first change at once, the rest of a burst as one write of
// the latest value per interval, the pending value on flush and stop, nothing after stop. Fake timers drive it.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCoalescedSaver } from "../../src/common/coalesced-save.js";

function setup(fail = false) {
  const written: number[] = [];
  const errors: unknown[] = [];
  const saver = createCoalescedSaver<number>({
    intervalMs: 1_000,
    save: async (v) => {
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error("disk full");
      written.push(v);
    },
    onError: (err) => errors.push(err),
  });
  return { saver, written, errors };
}

describe("the coalesced saver", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes the first value at once and a burst of 10,000 as one write of the latest per interval", async () => {
    const t = setup();
    for (let i = 1; i <= 10_000; i++) {
      t.saver.set(i);
      if (i % 10 === 0) await vi.advanceTimersByTimeAsync(1); // 10,000 values in one second
    }
    await vi.advanceTimersByTimeAsync(2_000);
    expect(t.written[0]).toBe(1);
    expect(t.written.at(-1)).toBe(10_000);
    expect(t.written.length).toBeLessThanOrEqual(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("flush writes the pending value at once; stop flushes, then ignores later values and leaves no timer", async () => {
    const t = setup();
    t.saver.set(1);
    t.saver.set(2);
    const flushed = t.saver.flush();
    await vi.advanceTimersByTimeAsync(10);
    await flushed;
    expect(t.written).toEqual([1, 2]);
    t.saver.set(3);
    const stopped = t.saver.stop();
    expect(t.saver.stop()).toBe(stopped);
    await vi.advanceTimersByTimeAsync(10);
    await stopped;
    t.saver.set(4);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(t.written).toEqual([1, 2, 3]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a failed write is reported and the next change is written again", async () => {
    const t = setup(true);
    t.saver.set(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(String(t.errors[0])).toContain("disk full");
    t.saver.set(2);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(t.errors).toHaveLength(2);
  });
});
