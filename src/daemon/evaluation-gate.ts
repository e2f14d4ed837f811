// When the daemon evaluates: never two evaluations at once, at most one per `detect.minInterval` (start to
// start), and every trigger that arrives meanwhile merged into ONE follow-up run that reads the state as it is
// then. A flood of file events or log lines (issue 11, item 8) thus costs at most 1000/minInterval evaluations
// a second, and the last trigger of a burst is never lost: a follow-up is always run after it.

export interface EvaluationGateOptions<T> {
  /** The shortest time from the start of one evaluation to the start of the next (read at each wait). */
  minIntervalMs: () => number;
  now: () => number;
  /** One evaluation; the gate never calls it while a previous call is still running. */
  run: (trigger: string, triggeredAtMs: number) => Promise<T>;
  /** An evaluation the gate started on its own threw (runNow's caller gets its own error). */
  onError: (err: unknown, trigger: string) => void;
}

export interface EvaluationGate<T> {
  /** Asks for an evaluation: now if the gate is free and the interval has passed, else merged into the next one. */
  trigger(reason: string, atMs: number): void;
  /** Evaluates at once (the first look after attaching), after the one in flight; returns its result. */
  runNow(reason: string, atMs: number): Promise<T>;
  /** Resolves when no evaluation is running. */
  idle(): Promise<void>;
  /** Drops the pending follow-up and its timer; evaluations are not started any more. Idempotent. */
  stop(): void;
}

export function createEvaluationGate<T>(o: EvaluationGateOptions<T>): EvaluationGate<T> {
  let running: Promise<T> | null = null;
  // the reasons of the merged triggers, each once (a flood of one kind stays one word), and the earliest time
  let pending: { reasons: Set<string>; atMs: number } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastStartMs: number | null = null;
  let stopped = false;

  async function execute(trigger: string, atMs: number): Promise<T> {
    lastStartMs = o.now();
    const run = o.run(trigger, atMs);
    running = run;
    try {
      return await run;
    } finally {
      running = null;
      pump();
    }
  }

  /**
   * Starts the pending follow-up if the gate is free and the interval has passed, else waits for that. The wait
   * is measured by the timer, not by re-reading the clock: a clock that went back waits one interval at most,
   * one that jumped ahead never a negative time.
   */
  function pump(waited = false): void {
    if (stopped || running || !pending || timer) return;
    const interval = Math.max(0, o.minIntervalMs());
    const wait = waited || lastStartMs === null ? 0 : Math.min(interval, lastStartMs + interval - o.now());
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = null;
        pump(true);
      }, wait);
      return;
    }
    const next = pending;
    pending = null;
    const trigger = [...next.reasons].join("+");
    void execute(trigger, next.atMs).catch((err: unknown) => o.onError(err, trigger));
  }

  return {
    trigger(reason, atMs) {
      if (stopped) return;
      if (pending) {
        pending.reasons.add(reason);
        pending.atMs = Math.min(pending.atMs, atMs);
      } else pending = { reasons: new Set([reason]), atMs };
      pump();
    },
    async runNow(reason, atMs) {
      while (running) await running.catch(() => undefined);
      return execute(reason, atMs);
    },
    async idle() {
      while (running) await running.catch(() => undefined);
    },
    stop() {
      stopped = true;
      pending = null;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
