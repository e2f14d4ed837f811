// The composition root with injected fakes (style guide §E.28, "daemon wiring"): events in (file changes, log
// observations, the reconcile schedule), evaluations and actions out (incidents, notifications, remediation
// decisions), a fake clock, no files, no processes, no sockets. Everything below createWatchdog is the real code
// (the fakes are in test/helpers/watchdog-world.ts).

import { describe, expect, it, onTestFinished, vi } from "vitest";
import type { Observation } from "../../src/common/types.js";
import { createWatchdog } from "../../src/daemon/watchdog.js";
import { CLI_SCOPES, ME, paired, snapshot } from "../helpers/records.js";
import { LOCATION, narrowed, world } from "../helpers/watchdog-world.js";

/** A started watchdog whose healthy state then narrowed (the seed), evaluated. */
async function startNarrowed() {
  const t = world();
  await t.w.start();
  await t.evaluated(1);
  t.clock.ms += 60_000;
  t.state.snap = narrowed(t.clock.ms - 1_000);
  t.hooks.fileChange?.([`${LOCATION.stateDir}/devices/paired.json`]);
  await t.evaluated(2);
  return t;
}

describe("the watchdog wired with fakes", () => {
  it("holds the daemon lock on its state from start to stop: a second one refuses to start meanwhile", async () => {
    const t = world();
    await t.w.start();
    expect([...t.held]).toEqual([`daemon:${LOCATION.stateDir}`]);
    const second = createWatchdog(t.loaded, t.deps);
    const refused = await second.start().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(refused?.name).toBe("DaemonLockError");
    expect(refused?.message).toMatch(
      /^another scope-watchdog already watches the OpenClaw state \/home\/u\/\.openclaw \(lock in \(memory\)\)/,
    );
    expect(second.stopped).toBe(true);
    await t.w.stop();
    expect([...t.held]).toEqual([]);
    const third = createWatchdog(t.loaded, t.deps);
    await third.start();
    expect([...t.held]).toEqual([`daemon:${LOCATION.stateDir}`]);
    await third.stop();
  });

  it("a narrowing becomes incidents, one notification and a notify decision; healing sends one recovery", async () => {
    const t = world();
    await t.w.start();
    await t.evaluated(1);
    expect(t.evaluations[0]?.trigger).toBe("start");
    expect(t.evaluations[0]?.findings).toEqual([]);
    expect(t.lastGood.get(LOCATION.stateDir)?.approvedScopes).toEqual(CLI_SCOPES);

    t.clock.ms += 60_000;
    t.state.snap = narrowed(t.clock.ms - 1_000);
    t.hooks.fileChange?.([`${LOCATION.stateDir}/devices/paired.json`]);
    await t.evaluated(2);
    const e = t.evaluations[1];
    expect(e?.trigger).toBe("files:devices/paired.json");
    expect(
      e?.events
        .filter((x) => x.type === "opened")
        .map((x) => x.incident.code)
        .sort(),
    ).toEqual(["baseline-missing-scope", "scope-regression", "scope-upgrade-pending"]);
    await vi.waitFor(() => expect(t.sent).toHaveLength(1), { timeout: 2_000, interval: 2 });
    expect(t.sent[0]?.severity).toBe("critical");
    expect(t.sent[0]?.body).toContain("openclaw devices approve 2b640a10-5c1e-4f3a-9d2b-7e8f9a0b1c2d");
    // the remediation pass decided to notify only (the default policy) and said so before and after
    await vi.waitFor(() => expect(t.audit.filter((a) => a.phase === "decided")).not.toHaveLength(0), {
      timeout: 2_000,
      interval: 2,
    });
    expect(new Set(t.audit.map((a) => a.action))).toEqual(new Set(["notify"]));
    expect(t.commands).toEqual([]);

    t.clock.ms += 60_000;
    t.state.snap = snapshot({ paired: [paired(CLI_SCOPES)] });
    t.hooks.fileChange?.([`${LOCATION.stateDir}/devices/paired.json`]);
    await t.evaluated(3);
    expect(t.evaluations[2]?.events.map((x) => x.type)).toEqual(["resolved", "resolved", "resolved"]);
    await vi.waitFor(() => expect(t.sent).toHaveLength(2), { timeout: 2_000, interval: 2 });
    expect(t.sent[1]?.kind).toBe("recovered");
    expect(t.commands).toEqual([]);
  });

  it("a refused connection in the gateway log is an incident of its own, evaluated at the line's time", async () => {
    const t = world();
    await t.w.start();
    await t.evaluated(1);
    t.clock.ms += 60_000;
    const lineAt = t.clock.ms - 5_000;
    const o: Observation = {
      kind: "pairing-required-close",
      source: "log",
      atMs: lineAt,
      deviceId: ME.deviceId,
      requestId: "2b640a10-5c1e-4f3a-9d2b-7e8f9a0b1c2d",
      reason: "scope-upgrade",
      code: 1008,
      closeReason: "pairing required: device is asking for more scopes than currently approved",
      text: "closed before connect … code=1008",
    };
    t.hooks.observe?.(o, { stale: false });
    await t.evaluated(2);
    const e = t.evaluations[1];
    expect(e?.trigger).toBe("log:pairing-required-close");
    expect(e?.triggeredAtMs).toBe(lineAt);
    expect(e?.events.map((x) => [x.type, x.incident.code])).toEqual([["opened", "pairing-required-close"]]);
    // an old line replayed at start is kept for status but evaluates nothing
    t.hooks.observe?.({ ...o, atMs: lineAt - 3_600_000 }, { stale: true });
    expect(t.w.status().recentObservations).toHaveLength(2);
    expect(t.evaluations).toHaveLength(2);
  });

  it("a refusal logged while the healed state was being read came before the heal: it leaves no incident", async () => {
    // on 2026.4.x `openclaw devices approve` connects first, is refused (logged), then writes the approval itself
    const t = await startNarrowed();
    expect(t.w.status().incidents.map((i) => i.code)).toContain("scope-regression");

    t.clock.ms += 60_000;
    const evaluationStart = t.clock.ms;
    t.state.snap = snapshot({ paired: [paired(CLI_SCOPES)] });
    t.state.readMs = 80;
    t.hooks.fileChange?.([`${LOCATION.stateDir}/devices/paired.json`]);
    await t.evaluated(3);
    // the approve command's own refused connect, logged during that read, arrives after it
    t.hooks.observe?.(
      {
        kind: "pairing-required-close",
        source: "log",
        atMs: evaluationStart + 40,
        deviceId: ME.deviceId,
        requestId: "2b640a10-5c1e-4f3a-9d2b-7e8f9a0b1c2d",
        reason: "scope-upgrade",
        code: 1008,
        text: "closed before connect … code=1008",
      },
      { stale: false },
    );
    await t.evaluated(4);
    expect(t.w.status().incidents).toEqual([]);
    await vi.waitFor(() => expect(t.sent.map((n) => n.kind)).toEqual(["new", "recovered"]), {
      timeout: 2_000,
      interval: 2,
    });
  });

  it("a read without the device's identity (a folder mid-delete or mid-restore) heals nothing and tells nothing", async () => {
    const t = await startNarrowed();
    await vi.waitFor(() => expect(t.sent.map((n) => n.kind)).toEqual(["new"]), {
      timeout: 2_000,
      interval: 2,
    });
    const open = t.w.status().incidents.map((i) => i.code);

    t.clock.ms += 1_000;
    t.state.snap = { ...narrowed(t.clock.ms - 2_000), identity: null };
    t.hooks.fileChange?.([`${LOCATION.stateDir}/identity/device.json`]);
    await t.evaluated(3);
    expect(t.evaluations[2]?.events.filter((e) => e.type === "resolved")).toEqual([]);
    expect(t.w.status().incidents.map((i) => i.code)).toEqual(expect.arrayContaining(open));

    // the same narrowed state readable again: still the one incident, never healed nor told twice
    t.clock.ms += 1_000;
    t.state.snap = narrowed(t.clock.ms - 3_000);
    t.hooks.fileChange?.([`${LOCATION.stateDir}/identity/device.json`]);
    await t.evaluated(4);
    expect(t.evaluations[3]?.events.filter((e) => e.type === "opened")).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.sent.map((n) => n.kind)).toEqual(["new"]);
  });

  it("the reconcile schedule re-evaluates; a vanished state dir is waited for and picked up again", async () => {
    const t = world();
    await t.w.start();
    await t.evaluated(1);
    await t.hooks.reconcile?.();
    await t.evaluated(2);
    expect(t.evaluations[1]?.trigger).toBe("reconcile");

    t.state.exists = false;
    t.hooks.fileChange?.([LOCATION.stateDir]);
    await vi.waitFor(() => expect(t.w.status().watchdog.mode).toBe("waiting"), {
      timeout: 2_000,
      interval: 2,
    });
    t.state.exists = true;
    t.hooks.appear?.();
    await vi.waitFor(() => expect(t.w.status().watchdog.mode).toBe("watching"), {
      timeout: 2_000,
      interval: 2,
    });
    await t.evaluated(3);
    expect(t.evaluations.at(-1)?.trigger).toBe("start");
  });

  it("a flood of file events and log lines is evaluated at most once per detect.minInterval, the last state last", async () => {
    // fake timers drive the minimum interval; everything else here is in memory (style guide §E.31)
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const t = world();
    await t.w.start();
    await t.evaluated(1);
    const upgrade: Observation = {
      kind: "upgrade-requested",
      source: "log",
      atMs: t.clock.ms,
      deviceId: ME.deviceId,
      text: "security audit: device access upgrade requested",
    };
    // 10,000 events in one second: file changes and log lines, each after a change of the pairing state
    let n = 0;
    for (let ms = 0; ms < 1_000; ms++) {
      t.clock.ms += 1;
      for (let i = 0; i < 10; i++) {
        n++;
        t.state.snap = snapshot({ paired: [paired(CLI_SCOPES, { approvedAtMs: n })] });
        if (i % 2 === 0) t.hooks.fileChange?.([`${LOCATION.stateDir}/devices/paired.json`]);
        else t.hooks.observe?.({ ...upgrade, atMs: t.clock.ms }, { stale: false });
      }
      await vi.advanceTimersByTimeAsync(1);
    }
    t.clock.ms += 100;
    await vi.advanceTimersByTimeAsync(100);
    await vi.waitFor(() =>
      expect(t.evaluations.at(-1)?.inspection?.snapshot.paired[0]?.approvedAtMs).toBe(10_000),
    );
    // the start, then at most one per 50 ms in that second, and the tail of the burst once more
    const flood = t.evaluations.slice(1);
    expect(flood.length).toBeGreaterThanOrEqual(2);
    expect(flood.length).toBeLessThanOrEqual(1_000 / 50 + 1);
    // 5,000 new observations, each kept for a restart: one write at once, then at most one a second, and the
    // last of them written on stop
    expect(t.data.writes.incidents).toBeGreaterThanOrEqual(2);
    expect(t.data.writes.incidents).toBeLessThanOrEqual(3);
    await t.w.stop();
    expect(t.data.incidents.get(LOCATION.stateDir)?.observations.at(-1)?.atMs).toBe(t.clock.ms - 100);
    expect(flood.at(-1)?.trigger.split("+").sort()).toEqual([
      "files:devices/paired.json",
      "log:upgrade-requested",
    ]);
  });

  it("stop() is idempotent and the last line says so", async () => {
    const t = world();
    await t.w.start();
    await t.evaluated(1);
    const first = t.w.stop();
    expect(t.w.stop()).toBe(first);
    await first;
    expect(t.w.stopped).toBe(true);
    expect(t.log.records.at(-1)?.msg).toBe("openclaw-scope-watchdog stopped");
  });
});

describe("a regenerated device identity", () => {
  it("is told until the new identity is paired with its own key and holds what it needs, then resolves", async () => {
    const t = world();
    await t.w.start();
    await t.evaluated(1);
    const fresh = { ...ME, deviceId: "b".repeat(64), storedDeviceId: "b".repeat(64), publicKey: "pkB" };
    const onlyFresh = (scopes: string[]) =>
      snapshot({
        identity: fresh,
        paired: [paired(scopes, { deviceId: fresh.deviceId, publicKey: fresh.publicKey })],
      });
    t.clock.ms += 60_000;
    t.state.snap = onlyFresh(["operator.read"]);
    t.hooks.fileChange?.([`${LOCATION.stateDir}/identity/device.json`]);
    await t.evaluated(2);
    expect(t.evaluations[1]?.events.map((e) => [e.type, e.incident.code])).toContainEqual([
      "opened",
      "device-identity-changed",
    ]);
    // narrow: still told, the last good state is the old identity's
    expect(t.lastGood.get(LOCATION.stateDir)?.deviceId).toBe(ME.deviceId);

    t.clock.ms += 60_000;
    t.state.snap = onlyFresh(CLI_SCOPES);
    t.hooks.fileChange?.([`${LOCATION.stateDir}/devices/paired.json`]);
    await t.evaluated(3);
    expect(t.lastGood.get(LOCATION.stateDir)?.deviceId).toBe(fresh.deviceId);
    t.clock.ms += 1_000;
    t.hooks.fileChange?.([`${LOCATION.stateDir}/devices/paired.json`]);
    await t.evaluated(4);
    expect(t.w.status().incidents).toEqual([]);
  });
});

describe("a stop while the watchdog is still starting", () => {
  it("waits for the start, then stops everything it started: no daemon keeps running, no lock stays held", async () => {
    const t = world();
    const starting = t.w.start();
    const stopped = t.w.stop();
    await starting;
    await stopped;
    expect(t.w.stopped).toBe(true);
    expect([...t.held]).toEqual([]);
    expect(t.w.daemons().size).toBe(0);
    expect(t.log.records.at(-1)?.msg).toBe("openclaw-scope-watchdog stopped");
  });
});
