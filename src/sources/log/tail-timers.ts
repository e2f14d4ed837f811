// The log tail's unref'd timers: the settle re-checks after a read, and the periodic full re-scan.

/** The first look after a read: a gateway writes related lines a few ms apart. */
export const SETTLE_QUICK_MS = 10;

/** The waits of the settle sequence: SETTLE_QUICK_MS (at most settleMs), then on until settleMs after the read. */
export function settleDelaysMs(settleMs: number): number[] {
  const quick = Math.min(SETTLE_QUICK_MS, settleMs);
  return [quick, settleMs - quick];
}

export interface Timer {
  cancel(): void;
}

/**
 * Re-checks the files just read after the settle delays (past chokidar's 50 ms window); a check that finds data
 * arms the sequence again through arm().
 */
export function createSettle(o: {
  settleMs: number;
  isClosed(): boolean;
  onDue(p: string): void;
}): Timer & { arm(p: string): void } {
  const delays = settleDelaysMs(o.settleMs);
  const paths = new Set<string>();
  let timer: NodeJS.Timeout | null = null;

  function schedule(step: number): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const due = [...paths];
      if (step + 1 < delays.length) schedule(step + 1);
      else paths.clear();
      for (const p of due) o.onDue(p);
    }, delays[step] ?? 0);
    timer.unref();
  }

  return {
    arm(p) {
      if (o.isClosed()) return;
      paths.add(p);
      schedule(0);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** Calls onDue every everyMs until cancelled; everyMs <= 0 never arms. */
export function createRescan(o: { everyMs: number; isClosed(): boolean; onDue(): void }): Timer & {
  arm(): void;
} {
  let timer: NodeJS.Timeout | null = null;
  function arm(): void {
    if (o.isClosed() || o.everyMs <= 0) return;
    timer = setTimeout(() => {
      timer = null;
      o.onDue();
      arm();
    }, o.everyMs);
    timer.unref();
  }
  return {
    arm,
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
