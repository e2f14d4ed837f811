// The daemon's memory across restarts (src/daemon/incident-memory.ts): what is worth a write, what a clock that
// went back does to stored times, and what a store that fails does. An in-memory StateStore, fake timers.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { IncidentMemory, StateStore } from "../../src/actions/state-store.js";
import { silentLogger } from "../../src/common/log.js";
import type { Finding, Observation } from "../../src/common/types.js";
import { createIncidentMemory, reviveIncidentMemory } from "../../src/daemon/incident-memory.js";
import { emptyIncidents, updateIncidents } from "../../src/policy/incidents.js";

const T = Date.UTC(2026, 11, 2, 9, 0, 0);
const DIR = "/home/u/.openclaw";

const pendingFor = (ageS: number, requestId = "r1"): Finding => ({
  code: "scope-upgrade-pending",
  severity: "warning",
  message: `asks for operator.admin (${ageS}s old)`,
  deviceId: "dev",
  requestId,
});
const refusal = (atMs: number): Observation => ({
  kind: "pairing-required-close",
  source: "log",
  atMs,
  deviceId: "dev",
  text: "closed before connect code=1008 reason=pairing required",
});

function store(initial: IncidentMemory | null = null) {
  const saved: IncidentMemory[] = [];
  const s = {
    loadIncidents: async (dir: string) => (dir === DIR ? structuredClone(initial) : null),
    saveIncidents: async (_dir: string, m: IncidentMemory) => {
      saved.push(structuredClone(m));
    },
  } as Partial<StateStore> as StateStore;
  return { s, saved };
}

describe("the daemon's memory of a state directory", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is written when incidents or observations change, not when only a finding's wording or last-seen time does", async () => {
    const { s, saved } = store();
    const m = createIncidentMemory({ store: s, stateDir: DIR, now: Date.now, logger: silentLogger });
    const observations: Observation[] = [];
    let incidents = updateIncidents(emptyIncidents(), [pendingFor(1)], T).state;
    const step = async (ms = 1_000) => {
      m.changed({ incidents, observations, healthySinceMs: null });
      await vi.advanceTimersByTimeAsync(ms);
    };
    await step();
    expect(saved).toHaveLength(1);
    incidents = updateIncidents(incidents, [pendingFor(2)], T + 1_000).state;
    await step();
    expect(saved).toHaveLength(1);
    incidents = updateIncidents(incidents, [pendingFor(3, "r2")], T + 2_000).state; // the request id churned
    await step();
    expect(saved).toHaveLength(2);
    observations.push(refusal(T + 3_000));
    await step();
    expect(saved).toHaveLength(3);
    expect(saved.at(-1)?.observations).toHaveLength(1);
    incidents = updateIncidents(incidents, [], T + 4_000).state;
    await step();
    expect(saved.at(-1)?.open).toEqual({});
    await m.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("coalesces a burst of changes into one write a second, the last one flushed on stop", async () => {
    const { s, saved } = store();
    const m = createIncidentMemory({ store: s, stateDir: DIR, now: Date.now, logger: silentLogger });
    const observations: Observation[] = [];
    for (let i = 0; i < 1_000; i++) {
      observations.push(refusal(T + i));
      m.changed({ incidents: emptyIncidents(), observations, healthySinceMs: null });
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(saved).toHaveLength(1);
    await m.stop();
    expect(saved).toHaveLength(2);
    expect(saved.at(-1)?.observations).toHaveLength(1_000);
  });

  it("reads back what was stored, times ahead of now (a clock that went back) moved back to now", async () => {
    const incidents = updateIncidents(emptyIncidents(), [pendingFor(1)], T + 60_000).state;
    const { s } = store({
      savedAtMs: T + 60_000,
      open: incidents.open,
      observations: [refusal(T - 1_000), refusal(T + 30_000)],
      healthySinceMs: T + 10_000,
    });
    const m = createIncidentMemory({ store: s, stateDir: DIR, now: Date.now, logger: silentLogger });
    const r = await m.load();
    expect(Object.values(r?.incidents.open ?? {}).map((i) => [i.openedAtMs, i.lastSeenAtMs])).toEqual([
      [T, T],
    ]);
    expect(r?.observations.map((o) => o.atMs)).toEqual([T - 1_000, T]);
    expect(r?.healthySinceMs).toBe(T);
    expect(
      reviveIncidentMemory({ savedAtMs: T, open: {}, observations: [], healthySinceMs: null }, T),
    ).toEqual({
      incidents: { open: {} },
      observations: [],
      healthySinceMs: null,
    });
  });

  it("a store that cannot be read or written is reported, and the daemon goes on in memory", async () => {
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (_o: unknown, msg?: string) => errors.push(String(msg)) };
    const s = {
      loadIncidents: async () => {
        throw new Error("EACCES");
      },
      saveIncidents: async () => {
        throw new Error("ENOSPC");
      },
    } as Partial<StateStore> as StateStore;
    const m = createIncidentMemory({
      store: s,
      stateDir: DIR,
      now: Date.now,
      logger: logger as typeof silentLogger,
    });
    await expect(m.load()).resolves.toBeNull();
    m.changed({ incidents: emptyIncidents(), observations: [], healthySinceMs: null });
    await m.stop();
    expect(errors).toEqual([
      "cannot read the stored incidents; starting without them",
      "cannot save the open incidents; keeping them in memory",
      // stop tries the unsaved value once more
      "cannot save the open incidents; keeping them in memory",
    ]);
  });
});
