// The daemon's pure evaluation step (src/daemon/assess.ts): what one inspection opens and resolves, and what the
// next evaluation recalls. The composition tests run it inside the daemon; these pin its rules one by one.

import { describe, expect, it } from "vitest";
import type { PairingSnapshot } from "../../src/common/types.js";
import { type AssessInput, assess, emptyRecall, type Recall } from "../../src/daemon/assess.js";
import { assessState } from "../../src/detect/inspection.js";
import { CLI_SCOPES, paired, snapshot } from "../helpers/records.js";
import { GATEWAY, LOCATION, narrowed, T0 } from "../helpers/watchdog-world.js";

const healthy = () => snapshot({ paired: [paired(CLI_SCOPES)] });

function input(snap: PairingSnapshot, startedAtMs: number, readAtMs = startedAtMs): AssessInput {
  return {
    inspection: assessState({
      location: LOCATION,
      install: {
        bin: "/opt/openclaw/bin/openclaw",
        version: "2026.4.20",
        via: "package.json",
        problem: null,
      },
      gateway: GATEWAY,
      snapshot: snap,
      requiredScopes: null,
      nowMs: startedAtMs,
      lastGood: null,
    }),
    observations: [],
    lastGoodDeviceId: null,
    watchdogDeviceId: null,
    closeWindowMs: 600_000,
    startedAtMs,
    readAtMs,
  };
}

/** Runs the reads in order, each 1 s after the last, the state read 80 ms into each evaluation. */
function run(snaps: PairingSnapshot[], from: Recall = emptyRecall()) {
  let recall = from;
  return snaps.map((snap, n) => {
    const a = assess(recall, input(snap, T0 + n * 1000, T0 + n * 1000 + 80));
    recall = a.recall;
    return a;
  });
}

describe("assess", () => {
  it("dates a healthy device from when its state was read, and keeps that date while it stays healthy", () => {
    const [first, second, broken, again] = run([healthy(), healthy(), narrowed(T0), healthy()]);
    expect(first?.localHealthy).toBe(true);
    expect(first?.recall.healthySinceMs).toBe(T0 + 80);
    expect(second?.recall.healthySinceMs).toBe(T0 + 80);
    expect(broken?.localHealthy).toBe(false);
    expect(broken?.recall.healthySinceMs).toBeNull();
    expect(again?.recall.healthySinceMs).toBe(T0 + 3080);
  });

  it("marks the state changed only when its digest changes, dated when that evaluation began", () => {
    const [first, same, other] = run([healthy(), healthy(), narrowed(T0)]);
    expect(first?.stateChanged).toBe(true);
    expect(first?.recall.stateChangedAtMs).toBe(T0);
    expect(same?.stateChanged).toBe(false);
    expect(same?.recall.stateChangedAtMs).toBe(T0);
    expect(other?.stateChanged).toBe(true);
    expect(other?.recall.stateChangedAtMs).toBe(T0 + 2000);
  });

  it("opens the narrowed device's incidents, resolves them when it heals, and dates both at the evaluation", () => {
    const [broken, healed] = run([narrowed(T0), healthy()]);
    const opened = broken?.events.filter((e) => e.type === "opened").map((e) => e.incident.finding.code);
    expect(opened).toContain("baseline-missing-scope");
    expect(broken?.events.every((e) => e.incident.openedAtMs === T0)).toBe(true);
    expect(healed?.events.map((e) => e.type)).toEqual(opened?.map(() => "resolved"));
    expect(healed?.recall.incidents.open).toEqual({});
  });

  it("keeps the last seen device's incidents open through a read without an identity, and resolves nothing", () => {
    const [broken, unseen] = run([narrowed(T0), snapshot({ identity: null })]);
    expect(Object.keys(broken?.recall.incidents.open ?? {}).length).toBeGreaterThan(0);
    expect(unseen?.events.filter((e) => e.type === "resolved")).toEqual([]);
    expect(Object.keys(unseen?.recall.incidents.open ?? {})).toEqual(
      Object.keys(broken?.recall.incidents.open ?? {}),
    );
    expect(unseen?.recall.knownDeviceId).toBe(broken?.recall.knownDeviceId);
  });
});
