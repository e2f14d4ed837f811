// The daemon's memory of one OpenClaw state directory across restarts (incidents.json through the StateStore):
// the open incidents, the recent observations behind them and since when the pairing has been healthy. Read
// before the first evaluation; written when it changes, a burst coalesced into one write a second, and on stop.

import type { IncidentMemory, StateStore } from "../actions/state-store.js";
import { createCoalescedSaver } from "../common/coalesced-save.js";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import type { Observation } from "../common/types.js";
import type { IncidentState } from "../policy/incidents.js";

/** At most one write per this long while incidents or observations keep changing. */
const SAVE_INTERVAL_MS = 1_000;

/** What the daemon holds in memory and gets back after a restart. */
export interface RememberedState {
  incidents: IncidentState;
  observations: Observation[];
  healthySinceMs: number | null;
}

/** The stored memory with every time ahead of `nowMs` (a clock that went back) moved back to it. Pure. */
export function reviveIncidentMemory(m: IncidentMemory, nowMs: number): RememberedState {
  const at = (t: number) => Math.min(t, nowMs);
  const open: IncidentState["open"] = {};
  for (const [fp, i] of Object.entries(m.open))
    open[fp] = { ...i, openedAtMs: at(i.openedAtMs), lastSeenAtMs: at(i.lastSeenAtMs) };
  return {
    incidents: { open },
    observations: m.observations.map((o) => (o.atMs > nowMs ? { ...o, atMs: nowMs } : o)),
    healthySinceMs: m.healthySinceMs === null ? null : at(m.healthySinceMs),
  };
}

/**
 * What of the memory matters after a restart, as a string: equal digests need no new save. An incident's
 * lastSeenAtMs and its finding's wording change on every evaluation and are left out.
 */
function digest(s: RememberedState): string {
  const incidents = Object.values(s.incidents.open).map((i) => [
    i.fingerprint,
    i.severity,
    i.openedAtMs,
    i.finding.requestId ?? null,
  ]);
  const last = s.observations.at(-1);
  return JSON.stringify([incidents, s.observations.length, last?.atMs, last?.kind, s.healthySinceMs]);
}

export interface IncidentMemoryStore {
  readonly stateDir: string;
  /** The memory stored for this state directory, or null (none yet, or the file was set aside). */
  load(): Promise<RememberedState | null>;
  /** Saves the memory if it changed in a way that matters (coalesced). */
  changed(s: RememberedState): void;
  /** Writes what is pending; later changes are ignored. Idempotent. */
  stop(): Promise<void>;
}

export function createIncidentMemory(o: {
  store: StateStore;
  stateDir: string;
  now: () => number;
  logger: Logger;
}): IncidentMemoryStore {
  let saved: string | null = null;
  let lastObservation: Observation | undefined;
  const saver = createCoalescedSaver<IncidentMemory>({
    save: (m) => o.store.saveIncidents(o.stateDir, m),
    intervalMs: SAVE_INTERVAL_MS,
    onError: (err) =>
      o.logger.error(
        { err: errorMessage(err), stateDir: o.stateDir },
        "cannot save the open incidents; keeping them in memory",
      ),
  });
  return {
    stateDir: o.stateDir,
    async load() {
      let m: IncidentMemory | null;
      try {
        m = await o.store.loadIncidents(o.stateDir);
      } catch (err) {
        o.logger.error({ err: errorMessage(err) }, "cannot read the stored incidents; starting without them");
        return null;
      }
      if (!m) return null;
      const s = reviveIncidentMemory(m, o.now());
      saved = digest(s);
      lastObservation = s.observations.at(-1);
      o.logger.info(
        {
          stateDir: o.stateDir,
          incidents: Object.keys(s.incidents.open),
          observations: s.observations.length,
          savedAtMs: m.savedAtMs,
        },
        `restored ${Object.keys(s.incidents.open).length} open incident(s) from before the restart`,
      );
      return s;
    },
    changed(s) {
      const d = digest(s);
      // the same count and last time can hide a new observation (the list is capped): compare the object too
      const newest = s.observations.at(-1);
      if (d === saved && newest === lastObservation) return;
      saved = d;
      lastObservation = newest;
      saver.set({
        savedAtMs: o.now(),
        open: s.incidents.open,
        observations: [...s.observations],
        healthySinceMs: s.healthySinceMs,
      });
    },
    stop: () => saver.stop(),
  };
}
