// Saving in bursts (src/common/coalesced-save.ts): the first change at once, the rest of a burst as one write of
// the latest value per interval, the pending value on flush and stop, nothing after stop. Fake timers drive it.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCoalescedSaver } from "../../src/common/coalesced-save.js";

function setup(failing = false) {
  const disk = { full: failing };
  const written: number[] = [];
  const errors: unknown[] = [];
  const saver = createCoalescedSaver<number>({
    intervalMs: 1_000,
    save: async (v) => {
      await new Promise((r) => setTimeout(r, 5));
      if (disk.full) throw new Error("disk full");
      written.push(v);
    },
    onError: (err) => errors.push(err),
  });
  return { saver, written, errors, disk };
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
    // after the retry wait (twice the interval after one failure)
    await vi.advanceTimersByTimeAsync(2_100);
    expect(t.errors).toHaveLength(2);
  });

  it("a value whose write failed is written again later without a new change, and by flush once there is room", async () => {
    const t = setup(true);
    t.saver.set(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(t.errors).toHaveLength(1);
    // still full: it retries, but waits longer each time (no error line every interval)
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.errors.length).toBeGreaterThan(1);
    expect(t.errors.length).toBeLessThan(10);
    t.disk.full = false;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(t.written).toEqual([1]);
    // full again, and stopped before the retry: stop tries once, and returns
    t.disk.full = true;
    t.saver.set(2);
    await vi.advanceTimersByTimeAsync(10);
    const stopping = t.saver.stop();
    await vi.advanceTimersByTimeAsync(10);
    await stopping;
    expect(t.written).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("stop writes a value whose write failed before, once there is room", async () => {
    const t = setup(true);
    t.saver.set(1);
    await vi.advanceTimersByTimeAsync(10);
    t.disk.full = false;
    const stopping = t.saver.stop();
    await vi.advanceTimersByTimeAsync(10);
    await stopping;
    expect(t.written).toEqual([1]);
  });
});
