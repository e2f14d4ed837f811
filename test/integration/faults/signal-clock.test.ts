// SIGTERM in the middle of an action, and the clock jumping an hour forward and back (issue 11, item 12).
// SIGTERM goes to a real `scope-watchdog run` child (dist/cli/bin.js, built by `npm test`) while the stand-in
// CLI it started hangs in an approve. The clock: the watchdog takes its time from the injected `now` of its
// dependencies (WatchdogDeps.now: evaluations, incidents, notifications, remediation bounds), so the test drives
// that clock an hour ahead and an hour back in one running watchdog; the fake CLI and the files keep real time.

import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnRun } from "../../helpers/cli.js";
import { faultWorld, HOUR_MS, stillOpen } from "./world.js";

const exited = (child: ReturnType<typeof spawnRun>["child"]) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function runChild(t: Awaited<ReturnType<typeof faultWorld>>) {
  const file = path.join(t.root, "config.json");
  await writeFile(file, JSON.stringify(t.config));
  return spawnRun(t.root, file, { env: t.env });
}

describe("SIGTERM in the middle of an approve", () => {
  it("kills the hanging CLI, records the attempt, exits 0; the next run heals once", async () => {
    const t = await faultWorld({ control: { hangBeforeApprove: true }, remediation: { cliTimeout: "30s" } });
    const run = await runChild(t);
    await expect
      .poll(async () => (await t.fake.calls()).filter((c) => c.argv[1] === "approve").length, {
        timeout: 15_000,
      })
      .toBe(1);
    run.child.kill("SIGTERM");
    expect(await exited(run.child)).toBe(0);
    for (const c of await t.fake.calls()) expect(alive(c.pid), `stand-in ${c.pid}`).toBe(false);
    const files = await t.intact();
    expect(files.ledger.map((a) => a.status)).toEqual(["stopped"]);
    const after = files.audit.filter((e) => e.phase === "after" && e.kind === "decision");
    expect(after.map((e) => e.outcome?.status)).toEqual(["stopped"]);
    expect(await t.approvedScopes()).toEqual(["operator.approvals"]);
    await t.approvedNothingElse(files.audit);
    expect(files.openCodes.length).toBeGreaterThan(0);
    expect(t.notifications().map((n) => n.kind)).toEqual(["new"]);

    // the next run (the stopped attempt's backoff passed) heals it, and tells only that
    await t.fake.control({});
    await new Promise((r) => setTimeout(r, 1_100));
    const next = await runChild(t);
    await t.sink.waitFor(2, 15_000);
    next.child.kill("SIGTERM");
    expect(await exited(next.child)).toBe(0);
    expect(t.notifications().map((n) => n.kind)).toEqual(["new", "recovered"]);
    const healed = await t.intact();
    expect(stillOpen(healed.openCodes)).toEqual([]);
    await t.approvedNothingElse(healed.audit);
  });

  it("an approve that wrote more than it was asked is still verified: the kill switch is engaged", async () => {
    const t = await faultWorld({
      control: { hangAfterApprove: true, approveGrants: ["operator.talk"] },
      remediation: { cliTimeout: "30s" },
    });
    const run = await runChild(t);
    // the approve has written the grant and hangs
    await expect.poll(() => t.approvedScopes(), { timeout: 15_000 }).toContain("operator.talk");
    run.child.kill("SIGTERM");
    expect(await exited(run.child)).toBe(0);
    const files = await t.intact();
    expect(files.ledger.map((a) => a.status)).toEqual(["halted"]);
    expect(await t.killSwitch()).toContain("operator.talk");
  });
});

describe("the clock jumps", () => {
  it("an hour ahead and an hour back: the incident is told once, nothing is approved meanwhile, files stay whole", async () => {
    const clock = { offsetMs: 0 };
    const t = await faultWorld({
      control: { failApprove: { code: 1 } },
      now: () => Date.now() + clock.offsetMs,
    });
    const w = await t.start();
    expect(await t.passEnded(w)).toBe("not-healed");
    await t.sink.waitFor(1);
    const approves = async () => (await t.fake.calls()).filter((c) => c.argv[1] === "approve").length;
    expect(await approves()).toBe(1);

    for (const offsetMs of [HOUR_MS, -HOUR_MS, 0]) {
      clock.offsetMs = offsetMs;
      const seen = w.evaluations.length;
      w.daemon.trigger(`clock ${offsetMs}`);
      await expect.poll(() => w.evaluations.length, { timeout: 10_000 }).toBeGreaterThan(seen);
      // the notifier's group wait passes on the watchdog's clock too
      await new Promise((r) => setTimeout(r, 300));
      expect(
        t.notifications().map((n) => n.kind),
        `clock ${offsetMs}`,
      ).toEqual(["new"]);
      // the regression itself opened once; the pending request's incident follows the request's 5-minute life by
      // the same clock OpenClaw prunes it with: expired an hour ahead, valid again when the clock comes back
      const opened = t.openedPerFingerprint();
      for (const [fp, n] of Object.entries(opened))
        expect(n, `clock ${offsetMs}: ${fp}`).toBe(
          offsetMs === HOUR_MS || !fp.includes("#scope-upgrade-pending|") ? 1 : 2,
        );
      const pending = w.evaluations.at(-1)?.findings.some((f) => f.code === "scope-upgrade-pending");
      expect(pending, `clock ${offsetMs}`).toBe(offsetMs !== HOUR_MS);
      expect(await approves()).toBe(1);
      const files = await t.intact();
      expect(files.openCodes.length).toBeGreaterThan(0);
    }
    expect(w.daemon.status().mode).toBe("watching");
    await t.restartAndHeal(w, ["scope-upgrade-pending"]);
  });
});
