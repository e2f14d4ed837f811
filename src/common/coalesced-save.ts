// Saving a value that changes in bursts: the first change is written at once, the changes that follow within
// `intervalMs` become one write of the latest value at the end of it, and flush() writes what is pending now
// (on stop). A flood of evaluations thus costs at most one write per interval, and the last value is never lost.

export interface CoalescedSaver<T> {
  /** Saves `value` (replacing any value not yet written): now, or once the interval since the last write ends. */
  set(value: T): void;
  /** Writes the pending value now and waits until every write has finished. */
  flush(): Promise<void>;
  /** Flushes, then ignores later values and leaves no timer behind; idempotent. */
  stop(): Promise<void>;
}

export interface CoalescedSaverOptions<T> {
  save(value: T): Promise<void>;
  /** The shortest time between the starts of two writes, except for flush(). */
  intervalMs: number;
  /** A failed write (the value stays in memory; the next change writes again). */
  onError(err: unknown): void;
}

export function createCoalescedSaver<T>(o: CoalescedSaverOptions<T>): CoalescedSaver<T> {
  let pending: { value: T } | null = null;
  let writing: Promise<void> | null = null;
  let cooldown: NodeJS.Timeout | null = null;
  let stopped = false;
  let stopping: Promise<void> | null = null;

  function write(): Promise<void> {
    const item = pending;
    pending = null;
    if (!item) return Promise.resolve();
    const done = o
      .save(item.value)
      .catch(o.onError)
      .finally(() => {
        writing = null;
        if (stopped) return;
        cooldown = setTimeout(() => {
          cooldown = null;
          if (pending && !writing) void write();
        }, o.intervalMs);
        cooldown.unref();
      });
    writing = done;
    return done;
  }

  async function flush(): Promise<void> {
    while (writing || pending) {
      if (writing) {
        await writing;
        continue;
      }
      if (cooldown) clearTimeout(cooldown);
      cooldown = null;
      await write();
    }
  }

  return {
    set(value) {
      if (stopped) return;
      pending = { value };
      if (!writing && !cooldown) void write();
    },
    flush,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        await flush();
        if (cooldown) clearTimeout(cooldown);
        cooldown = null;
      })();
      return stopping;
    },
  };
}
