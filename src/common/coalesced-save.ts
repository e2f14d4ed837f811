// Saving a value that changes in bursts: the first change is written at once, the changes that follow within
// `intervalMs` become one write of the latest value at the end of it, and flush() writes what is pending now
// (on stop). A flood of evaluations thus costs at most one write per interval, and the last value is never lost:
// a value whose write failed (a full or read-only disk) stays pending and is tried again, the wait doubling up
// to RETRY_MAX_MS while it keeps failing, and once more by flush().

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
  /** A failed write (the value stays pending and is written again later, or by the next change). */
  onError(err: unknown): void;
}

/** The longest wait before writing again a value whose write keeps failing. */
const RETRY_MAX_MS = 60_000;

export function createCoalescedSaver<T>(o: CoalescedSaverOptions<T>): CoalescedSaver<T> {
  let pending: { value: T } | null = null;
  let failures = 0;
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
      .then(
        () => {
          failures = 0;
        },
        (err: unknown) => {
          failures++;
          pending ??= item; // not replaced meanwhile: it is still the value to keep
          o.onError(err);
        },
      )
      .finally(() => {
        writing = null;
        if (stopped) return;
        const wait = failures === 0 ? o.intervalMs : Math.min(RETRY_MAX_MS, o.intervalMs * 2 ** failures);
        cooldown = setTimeout(() => {
          cooldown = null;
          if (pending && !writing) void write();
        }, wait);
        cooldown.unref();
      });
    writing = done;
    return done;
  }

  /** Writes until nothing is pending, each pending value at most once (a disk still full does not hold it up). */
  async function flush(): Promise<void> {
    let tried: { value: T } | null = null;
    while (writing || (pending && pending !== tried)) {
      if (writing) {
        await writing;
        continue;
      }
      if (cooldown) clearTimeout(cooldown);
      cooldown = null;
      tried = pending;
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
